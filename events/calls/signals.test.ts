import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormed } from '../shared/text.ts';
import { signalProblem } from './signals.ts';

// Shaped like what Chromium's createOffer() and RTCIceCandidate.toJSON() produce.
const OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Bnch',
  'a=ice-pwd:asd88fgpdd777uzjYhagZg',
  'a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');
const CANDIDATE = {
  candidate: 'candidate:1467250027 1 udp 2122260223 192.168.1.2 46243 typ host generation 0 ufrag Bnch',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'Bnch',
};
const json = (o: unknown) => JSON.stringify(o);

describe('call signal payloads', () => {
  it('should accept what a browser sends: SDP with CRLF or LF, candidates, end of candidates', () => {
    for (const kind of ['offer', 'answer', 'restart'] as const) {
      assert.equal(signalProblem(kind, OFFER), null);
      assert.equal(signalProblem(kind, OFFER.replaceAll('\r\n', '\n')), null);
    }
    assert.equal(signalProblem('candidate', json(CANDIDATE)), null);
    assert.equal(signalProblem('candidate', json({ ...CANDIDATE, usernameFragment: undefined })), null);
    assert.equal(
      signalProblem('candidate', json({ ...CANDIDATE, candidate: '', sdpMLineIndex: null })),
      null,
    );
  });

  it('should refuse an offer or answer that is not SDP', () => {
    const bad = [
      'x',
      'v=0 offer',
      'hello\r\nv=0\r\n',
      OFFER.replace('o=-', 'x=-').replace('v=0\r\n', 'v=0\r\nz=1\r\n'),
      OFFER.replace('s=-\r\n', ''),
      OFFER.replace('t=0 0\r\n', ''),
      OFFER.replace('a=group', 'A=group'),
      OFFER.replace('s=-', 's=a\u0000b'),
      OFFER.replace('s=-', 's=a\rb'),
      OFFER.replace('\r\nm=audio', '\r\n\r\nm=audio'),
      `${OFFER}a=${'x'.repeat(33 * 1024)}\r\n`,
    ];
    for (const sdp of bad) assert.ok(signalProblem('offer', sdp), JSON.stringify(sdp.slice(0, 80)));
  });

  it('should refuse a candidate that is not one JSON candidate', () => {
    const bad = [
      'candidate:1',
      'null',
      '[]',
      json('candidate:1'),
      json({ ...CANDIDATE, candidate: 'cand:1' }),
      json({ ...CANDIDATE, candidate: 5 }),
      json({ ...CANDIDATE, sdpMid: 0 }),
      json({ ...CANDIDATE, sdpMLineIndex: -1 }),
      json({ ...CANDIDATE, sdpMLineIndex: 1.5 }),
      json({ ...CANDIDATE, sdpMLineIndex: 70000 }),
      json({ ...CANDIDATE, sdpMid: null, sdpMLineIndex: null }),
      json({ candidate: CANDIDATE.candidate }),
      json({ ...CANDIDATE, extra: 'x' }),
      json({ ...CANDIDATE, usernameFragment: 7 }),
      json({ ...CANDIDATE, candidate: `${CANDIDATE.candidate}\n` }),
      json({ ...CANDIDATE, candidate: `candidate:${'x'.repeat(2100)}` }),
    ];
    for (const c of bad) assert.ok(signalProblem('candidate', c), c.slice(0, 80));
  });

  it('should refuse a candidate whose JSON escapes a lone surrogate into any string', () => {
    // Escaped in the JSON text, so the payload itself is well-formed: only the parsed strings are not.
    const bad = [
      '{"candidate":"","sdpMid":"\\ud800","sdpMLineIndex":0}',
      '{"candidate":"candidate:\\udfff","sdpMid":"0","sdpMLineIndex":0}',
      '{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"a\\udc00"}',
    ];
    for (const c of bad) {
      assert.ok(isWellFormed(c), 'the payload text is well-formed');
      assert.ok(signalProblem('candidate', c), c);
    }
    assert.equal(
      signalProblem('candidate', '{"candidate":"","sdpMid":"\\ud83d\\ude00","sdpMLineIndex":0}'),
      null,
    );
  });
});
