// An Echo test double: the subset of the echo-wasm API the composables use, recording every
// call, holding real listener lists, and letting tests deliver events (`emit`) and count
// deliveries. Installed with `setEchoInstance(new EchoDouble())`.

export class ChannelDouble {
  constructor(name) {
    this.name = name;
    this.listeners = new Map(); // 'event:Name' | 'notification' | 'here' | 'joining' | 'leaving' -> [fn]
    this.members = { count: 0, me: null, members: [] };
  }

  add(key, callback) {
    if (!this.listeners.has(key)) this.listeners.set(key, []);
    this.listeners.get(key).push(callback);
    return this;
  }

  /** Removes every registration of `callback` (as echo-wasm and pusher-js do), or all of `key`. */
  remove(key, callback) {
    const list = this.listeners.get(key) ?? [];
    this.listeners.set(key, callback ? list.filter((listener) => listener !== callback) : []);
    return this;
  }

  /** Calls every listener of `key`; returns how many were called. */
  emit(key, ...args) {
    const list = [...(this.listeners.get(key) ?? [])];
    for (const callback of list) callback(...args);
    return list.length;
  }

  count(key) {
    return this.listeners.get(key)?.length ?? 0;
  }

  /** Listeners of every kind. */
  total() {
    let n = 0;
    for (const list of this.listeners.values()) n += list.length;
    return n;
  }

  listen(event, callback) { return this.add(`event:${event}`, callback); }
  stopListening(event, callback) { return this.remove(`event:${event}`, callback); }
  notification(callback) { return this.add('notification', callback); }
  stopListeningForNotification(callback) { return this.remove('notification', callback); }
  here(callback) { return this.add('here', callback); }
  joining(callback) { return this.add('joining', callback); }
  leaving(callback) { return this.add('leaving', callback); }
  resumed(callback) { return this.add('resumed', callback); }
  off(kind, callback) { return this.remove(kind, callback); }

  /** Sets the presence members view (tests then `emit('here' | 'joining' | 'leaving', ...)`). */
  setMembers(infos) {
    this.members = { count: infos.length, me: null, members: infos.map((info) => ({ id: String(info.id), info })) };
  }
}

class ConnectorDouble {
  constructor() {
    this.changeListeners = new Set();
  }

  onConnectionChange(callback) {
    const own = (status) => callback(status); // a fresh function per call, as the real one
    this.changeListeners.add(own);
    return () => this.changeListeners.delete(own);
  }
}

export class EchoDouble {
  constructor() {
    this.calls = { channel: [], private: [], join: [], encryptedPrivate: [], leaveChannel: [], leave: [] };
    this.channels = new Map(); // full name -> ChannelDouble (subscribed)
    this.status = 'connecting';
    this.id = undefined;
    this.connector = new ConnectorDouble();
  }

  #subscribe(method, name, fullName) {
    this.calls[method].push(name);
    if (!this.channels.has(fullName)) this.channels.set(fullName, new ChannelDouble(fullName));
    return this.channels.get(fullName);
  }

  channel(name) { return this.#subscribe('channel', name, name); }
  private(name) { return this.#subscribe('private', name, `private-${name}`); }
  join(name) { return this.#subscribe('join', name, `presence-${name}`); }
  encryptedPrivate(name) { return this.#subscribe('encryptedPrivate', name, `private-encrypted-${name}`); }

  leaveChannel(fullName) {
    this.calls.leaveChannel.push(fullName);
    this.channels.delete(fullName);
  }

  leave(name) {
    this.calls.leave.push(name);
    for (const prefix of ['', 'private-', 'private-encrypted-', 'presence-']) this.channels.delete(prefix + name);
  }

  connectionStatus() { return this.status; }
  socketId() { return this.id; }

  /** Simulates a connection change (and, if given, a new socket id), as the wasm driver reports it. */
  setStatus(status, ...socketId) {
    this.status = status;
    if (socketId.length > 0) this.id = socketId[0];
    for (const listener of [...this.connector.changeListeners]) listener(status);
  }
}
