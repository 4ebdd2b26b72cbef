#!/usr/bin/env node
// Prints a fresh VAPID key pair for Web Push, as environment lines (docs/operations: keep the
// private key secret; changing the pair invalidates every browser's push subscription).
import webpush from 'web-push';

const { publicKey, privateKey } = webpush.generateVAPIDKeys();
console.log(`VAPID_PUBLIC_KEY=${publicKey}`);
console.log(`VAPID_PRIVATE_KEY=${privateKey}`);
console.log('VAPID_SUBJECT=mailto:you@example.com');
