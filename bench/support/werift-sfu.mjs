// A forwarding unit (SFU) on werift for bench/participants.mjs, run as its own process so that its
// CPU is measured apart. Each participant has one peer connection with it: the browser offers its
// microphone and camera (sendonly) and two receive-only transceivers (audio, video) per other
// participant; the unit answers and copies every RTP packet of a participant's tracks into the
// matching transceivers of the others (werift rewrites SSRC, payload type, sequence numbers).
// No decoding, no transcoding. A picture loss reported by a viewer is passed on to the sender of
// that video, so a new viewer gets a key frame.
//
// Protocol (loopback HTTP): POST /join {id, others: [id…], sdp} → {sdp}; GET /stats → {cpuMs, rxBytes, txBytes}.
import { createServer } from 'node:http';
import { RTCPeerConnection, RTCRtpCodecParameters, useAbsSendTime, useSdesMid } from 'werift';

// No transport-cc / REMB: the unit does not estimate bandwidth (werift's receive-side feedback held
// the browsers' video near 50 kbit/s on this machine); each browser stays within its own caps.
const fb = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }];
const codecs = {
  video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: fb, payloadType: 96 })],
  audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
};

/** id → { pc, others, rx: {audio, video} (the transceivers it sends on), pli() } */
const members = new Map();
/** The next sequence number of each outgoing transceiver. */
const seqs = new WeakMap();
let rxBytes = 0;
let txBytes = 0;

/** The transceiver of `viewer` that carries `source`'s track of this kind (m-line order, see above). */
function slotOf(viewer, source, kind) {
  const m = members.get(viewer);
  const k = m?.others.indexOf(source) ?? -1;
  if (!m || k < 0) return undefined;
  const mid = String(2 + 2 * k + (kind === 'audio' ? 0 : 1));
  return m.pc.getTransceivers().find((t) => t.mid === mid);
}

async function join({ id, others, sdp }) {
  const pc = new RTCPeerConnection({
    codecs,
    // The mid extension lets the browser tell the forwarded streams apart (werift's answer may name no SSRC).
    headerExtensions: { video: [useSdesMid(), useAbsSendTime()], audio: [useSdesMid()] },
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  const m = { pc, others, videoSsrc: undefined, videoReceiver: undefined };
  members.set(id, m);
  pc.onTrack.subscribe((track) => {
    const tx = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (track.kind === 'video') m.videoReceiver = tx?.receiver;
    track.onReceiveRtp.subscribe((rtp) => {
      if (track.kind === 'video') m.videoSsrc = rtp.header.ssrc;
      const size = rtp.serialize().length;
      rxBytes += size;
      for (const viewer of others) {
        const out = slotOf(viewer, id, track.kind);
        if (!out) continue;
        txBytes += size;
        const copy = rtp.clone();
        // Numbered afresh per outgoing stream: werift drops the browsers' padding-only packets, and
        // the gaps they would leave read as losses that stall the viewer's decoder until a key frame.
        // (sendRtp numbers the packet before its first await: the order is kept.)
        const n = (seqs.get(out) ?? rtp.header.sequenceNumber) & 0xffff;
        copy.header.sequenceNumber = n;
        seqs.set(out, n + 1);
        out.sender.sendRtp(copy).catch(() => {});
      }
    });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp });
  const transceivers = pc.getTransceivers();
  // werift answers a browser's receive-only m-line as inactive unless told it will send there.
  for (const t of transceivers) if (Number(t.mid) >= 2) t.setDirection('sendonly');
  // Index 2…: what this participant receives; a viewer's picture loss goes to the source's sender.
  for (let k = 0; k < others.length; k++) {
    const video = transceivers.find((t) => t.mid === String(3 + 2 * k));
    video?.sender.onPictureLossIndication.subscribe(() => {
      const src = members.get(others[k]);
      if (src?.videoReceiver && src.videoSsrc !== undefined) void src.videoReceiver.sendRtcpPLI(src.videoSsrc);
    });
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((r) => {
    if (pc.iceGatheringState === 'complete') r();
    pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && r());
  });
  return { sdp: pc.localDescription.sdp };
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/stats') {
      const u = process.cpuUsage();
      res.end(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, rxBytes, txBytes }));
      return;
    }
    let body = '';
    for await (const c of req) body += c;
    res.end(JSON.stringify(await join(JSON.parse(body))));
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e?.stack ?? e));
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`@@sfu ${server.address().port}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
