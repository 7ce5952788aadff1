'use strict';
// A minimal WebSocket client (RFC 6455) straight on a TCP socket, for the connections that offer no extension:
// each read is parsed in place, with none of the `ws` package's stream machinery, so receiving a frame costs
// the load generator less than sending it costs a server. It speaks the subset of `ws`'s API the load
// generator uses (open / message / error / close events, send, terminate, readyState, extensions).
// Clients must mask what they send; the key is all zeros (allowed by the RFC: masking then changes nothing).
const net = require('node:net');
const crypto = require('node:crypto');
const { EventEmitter } = require('node:events');

// One read buffer for every connection (net's `onread`: no Buffer per read, no 'data' event): each read is
// parsed at once, and only a partial frame left at its end is copied out.
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

class RawWs extends EventEmitter {
  constructor(url, { headers = {}, handshakeTimeout = 30000 } = {}) {
    super();
    const u = new URL(url);
    this.readyState = CONNECTING;
    this.extensions = '';
    this.buf = null;
    this.sock = net.connect({
      host: u.hostname, port: Number(u.port),
      onread: { buffer: READ_BUFFER, callback: (n, shared) => { this.received(shared.subarray(0, n)); } },
    });
    this.sock.setNoDelay(true);
    const timer = setTimeout(() => this.fail(new Error('handshake timed out')), handshakeTimeout);
    this.sock.on('connect', () => {
      const key = crypto.randomBytes(16).toString('base64');
      let head = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n`
        + `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      this.sock.write(head + '\r\n');
    });
    this.timer = timer;
    this.sock.on('error', (err) => this.fail(err));
    this.sock.on('close', () => { clearTimeout(timer); this.closed(); });
  }

  received(chunk) {
    let buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = null;
    if (this.readyState === CONNECTING) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) { this.buf = Buffer.from(buf); return; }
      const status = buf.toString('latin1', 0, buf.indexOf('\r\n'));
      clearTimeout(this.timer);
      if (!/^HTTP\/1\.1 101 /.test(status)) { this.fail(new Error(`handshake: ${status}`)); return; }
      buf = buf.subarray(end + 4);
      this.readyState = OPEN;
      this.emit('open');
    }
    this.parse(buf);
  }

  // Handlers see payloads that point into the shared read buffer: they must not keep them.
  parse(buf) {
    let off = 0;
    while (buf.length - off >= 2 && this.readyState === OPEN) {
      const b0 = buf[off];
      let len = buf[off + 1] & 127;
      let hdr = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        hdr = 10;
      }
      if (buf.length - off < hdr + len) break;
      const payload = buf.subarray(off + hdr, off + hdr + len);
      off += hdr + len;
      const opcode = b0 & 15;
      if (!(b0 & 0x80) || opcode === 0) { this.fail(new Error('fragmented frames are not expected here')); return; }
      if (opcode === 1 || opcode === 2) this.emit('message', payload, opcode === 2);
      else if (opcode === 9) this.frame(10, payload);
      else if (opcode === 8) { this.frame(8, payload.subarray(0, 2)); this.sock.end(); }
    }
    if (off < buf.length && this.readyState === OPEN) this.buf = Buffer.from(buf.subarray(off));
  }

  frame(opcode, payload) {
    const len = payload.length;
    const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const out = Buffer.allocUnsafe(hdr + 4 + len);
    out[0] = 0x80 | opcode;
    if (hdr === 2) out[1] = 0x80 | len;
    else if (hdr === 4) { out[1] = 0x80 | 126; out.writeUInt16BE(len, 2); }
    else { out[1] = 0x80 | 127; out.writeBigUInt64BE(BigInt(len), 2); }
    out.writeUInt32BE(0, hdr); // the zero mask
    payload.copy(out, hdr + 4);
    this.sock.write(out);
  }

  send(text) {
    if (this.readyState === OPEN) this.frame(1, Buffer.from(text));
  }

  terminate() {
    this.sock.destroy();
    this.closed();
  }

  fail(err) {
    if (this.readyState === CLOSED) return;
    this.emit('error', err);
    this.terminate();
  }

  closed() {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close');
  }
}

RawWs.OPEN = OPEN;
module.exports = { RawWs };
