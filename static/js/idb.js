/* A tiny IndexedDB store in the manner of idb-keyval: one cached connection per store and
   requests turned into promises. Used by the outbox in pages and in the service worker. */
"use strict";
(() => {
  /** A request's (or transaction's) result as a promise. */
  const promisifyRequest = (request) => new Promise((resolve, reject) => {
    request.oncomplete = request.onsuccess = () => resolve(request.result);
    request.onabort = request.onerror = () => reject(request.error);
  });

  /** A store with inline keys (keyPath): get/put/del/values. */
  const createStore = (dbName, storeName, keyPath) => {
    let connection = null;
    const open = () => {
      if (!connection) {
        const request = indexedDB.open(dbName, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(storeName, { keyPath });
        connection = promisifyRequest(request).then((db) => {
          // Let a newer version (another tab, a new worker) upgrade; reopen on the next call.
          db.onversionchange = () => { db.close(); connection = null; };
          db.onclose = () => { connection = null; };
          return db;
        }, (error) => { connection = null; throw error; });
      }
      return connection;
    };
    const use = async (mode, work) => {
      const store = (await open()).transaction(storeName, mode).objectStore(storeName);
      return work(store);
    };
    return {
      get: (key) => use("readonly", (store) => promisifyRequest(store.get(key))),
      values: () => use("readonly", (store) => promisifyRequest(store.getAll())),
      // Writes resolve once the transaction commits, not merely when the request succeeds.
      put: (value) => use("readwrite", (store) => { store.put(value); return promisifyRequest(store.transaction); }),
      del: (key) => use("readwrite", (store) => { store.delete(key); return promisifyRequest(store.transaction); }),
    };
  };

  self.BR = self.BR || {};
  self.BR.idb = { createStore, promisifyRequest };
})();
