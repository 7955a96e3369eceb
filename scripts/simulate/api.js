// A minimal Kubernetes API client for the simulated cluster (loopback, bearer token, the API
// server's self-signed certificate): JSON in, JSON out.
'use strict';
const https = require('https');

const agent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });

/**
 * client(server, token)(method, path, body?, { contentType }) → { status, body } (body parsed
 * as JSON when it is JSON). Never throws for HTTP errors; a connection error gives status 0.
 */
function client(server, token) {
  const url = new URL(server);
  return function request(method, path, body, { contentType = 'application/json', timeoutMs = 10_000 } = {}) {
    return new Promise(resolve => {
      const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const req = https.request({
        host: url.hostname, port: url.port, path, method, agent, timeout: timeoutMs,
        headers: {
          Authorization: `Bearer ${token}`, Accept: 'application/json',
          ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}),
        },
      }, res => {
        const chunks = [];
        res.on('data', d => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try { parsed = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, body: parsed });
        });
      });
      req.on('error', e => resolve({ status: 0, body: e.message }));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      if (data) { req.write(data); }
      req.end();
    });
  };
}

module.exports = { client };
