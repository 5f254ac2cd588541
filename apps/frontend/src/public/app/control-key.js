// The control key. It comes in the URL fragment (#key=...), which browsers never send to a server
// (so it is in no access log and no Referer), is kept for this tab only, and leaves the address
// bar at once.

const KEY_STORE = 'string-hashr-control-key';

const storedKey = () => {
  try {
    return sessionStorage.getItem(KEY_STORE);
  } catch {
    return null;
  }
};

/** The key this tab holds: `current()`, `store(key or null)`, `takeFromFragment()` (true when one was there). */
export function createControlKey() {
  let memoryKey = storedKey();
  const store = (key) => {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch {
      // storage disabled: the key lasts until the page is closed
    }
    memoryKey = key;
  };
  const takeFromFragment = () => {
    const key = new URLSearchParams(location.hash.slice(1)).get('key');
    if (!key) return false;
    store(key);
    history.replaceState(null, '', location.pathname + location.search);
    return true;
  };
  return { current: () => memoryKey, store, takeFromFragment };
}
