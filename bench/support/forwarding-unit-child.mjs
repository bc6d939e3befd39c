// The cloud's forwarding unit (cloud/dist/media/forwarding-unit, built by `npx tsc -b`) for
// bench/participants.mjs, run as its own process so that its CPU is measured apart. One room;
// loopback HTTP: POST /join {id, sdp} → {sdp, candidates}; GET /stats → {cpuMs, rxBytes, txBytes, room}.
import { createServer } from 'node:http';
import { ForwardingRoom } from '../../cloud/dist/media/forwarding-unit/index.js';

/** The unit's ICE candidates per participant (the browser's offer carries its own: not trickled). */
const candidates = new Map();
const room = new ForwardingRoom({
  hostAddresses: ['127.0.0.1'],
  onIceCandidate: (id, c) => candidates.set(id, [...(candidates.get(id) ?? []), c]),
});

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/stats') {
      const u = process.cpuUsage();
      const s = room.stats();
      res.end(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, rxBytes: s.rtpIn.bytes, txBytes: s.rtpOut.bytes, room: s }));
      return;
    }
    let body = '';
    for await (const c of req) body += c;
    const { id, sdp } = JSON.parse(body);
    const { answer } = await room.join(String(id), { offer: sdp });
    res.end(JSON.stringify({ sdp: answer, candidates: candidates.get(String(id)) ?? [] }));
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e?.stack ?? e));
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`@@sfu ${server.address().port}`);
});
process.stdin.on('end', () => {
  void room.close().finally(() => process.exit(0));
});
process.stdin.resume();
