'use strict';
// What the load generator measures with: a latency histogram and the server process's CPU and memory
// (read from /proc, as `ps` does).
const fs = require('node:fs');

// 0.1 ms buckets up to 60 s: a few MB, and recording a delivery is one increment (no array of samples).
const BUCKET_MS = 0.1;
const BUCKETS = 600000;

class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS);
    this.n = 0;
    this.max = 0;
    this.sum = 0;
  }

  add(ms) {
    const v = ms < 0 ? 0 : ms;
    this.counts[Math.min(BUCKETS - 1, Math.floor(v / BUCKET_MS))]++;
    this.n++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  percentile(p) {
    if (this.n === 0) return null;
    const rank = Math.ceil(p * this.n);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.round((i + 1) * BUCKET_MS * 100) / 100; // the bucket's upper edge
    }
    return this.max;
  }

  summary() {
    const r = (x) => (x === null ? null : Math.round(x * 100) / 100);
    return {
      n: this.n,
      mean: this.n ? r(this.sum / this.n) : null,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      max: this.n ? r(this.max) : null,
    };
  }
}

// utime + stime of every thread of the process, in seconds (fields 14 and 15 of /proc/PID/stat).
function serverCpuS(pid, clkTck) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clkTck;
}

// Resident set size in bytes (VmRSS of /proc/PID/status).
function serverRssB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { Histogram, serverCpuS, serverRssB, sleep };
