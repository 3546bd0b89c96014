// Drive the sandbox with wechatpay-axios-plugin (npm), a third-party WeChat Pay APIv3 SDK for
// Node.js.
//
// Usage: node node_client.js public-key|platform   (after `npm ci` in this directory)
//
// Reads the variables `wechatpay-sandbox` prints (WECHATPAY_BASE_URL, WECHATPAY_MCHID,
// WECHATPAY_MCH_SERIAL, WECHATPAY_PRIVATE_KEY, WECHATPAY_PLATFORM_CERTS, WECHATPAY_PUBLIC_KEY,
// WECHATPAY_PUBLIC_KEY_ID, WECHATPAY_APIV3_KEY) and optionally INTEROP_OPENID,
// INTEROP_LOST_OPENID, INTEROP_PREFIX.
//
// In public-key mode the SDK verifies responses with the WeChat Pay public key. In platform mode
// it first downloads GET /v3/certificates, decrypting each certificate with the APIv3 key before
// verifying the answer with it (the SDK's own `wxpay crt` does the same), and checks the
// downloaded certificate is the one in WECHATPAY_PLATFORM_CERTS. Then it sends a coupon,
// re-sends the same request (same out_request_no), sends a second coupon whose first answer the
// test makes the sandbox lose (an injected 500 after the coupon is issued) and re-sends it, lists
// the user's coupons and sends to an unknown stock. It prints one JSON object with every status
// and ID on stdout; sandbox/tests/interop.rs checks it. Any failure the SDK raises on a 2xx (a
// signature it could not verify) exits non-zero.

'use strict';

const fs = require('fs');
const path = require('path');
const { X509Certificate } = require('crypto');
const { Wechatpay, Aes: { AesGcm } } = require('wechatpay-axios-plugin');

const APPID = 'wx233544546545989';
const STOCK_ID = '9856000';
const UNKNOWN_STOCK_ID = '1234567';

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`node_client.js: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

function versionOf(name) {
  const main = require.resolve(name);
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

// A non-2xx answer is data here (status and error code); anything else is a real failure.
async function outcome(request) {
  try {
    const { status, data } = await request();
    return { status, data };
  } catch (err) {
    if (err.response && (err.response.status < 200 || err.response.status >= 300)) {
      return { status: err.response.status, data: err.response.data };
    }
    throw err;
  }
}

function summary({ status, data }) {
  const result = { status };
  for (const key of ['coupon_id', 'code', 'message']) {
    if (data && data[key] !== undefined) result[key] = data[key];
  }
  return result;
}

async function main() {
  const mode = process.argv[2] || 'public-key';
  const tag = mode.replace('-', '_');
  const openid = process.env.INTEROP_OPENID || `o_interop_node_${tag}`;
  const lostOpenid = process.env.INTEROP_LOST_OPENID || `o_interop_node_lost_${tag}`;
  const prefix = process.env.INTEROP_PREFIX || `node-${tag}`;
  const mchid = env('WECHATPAY_MCHID');

  const certs = {};
  const downloaded = [];
  const client = () => new Wechatpay({
    mchid,
    serial: env('WECHATPAY_MCH_SERIAL'),
    privateKey: fs.readFileSync(env('WECHATPAY_PRIVATE_KEY')),
    certs,
    baseURL: `${env('WECHATPAY_BASE_URL').replace(/\/$/, '')}/`,
    timeout: 30000,
  });
  if (mode === 'public-key') {
    certs[env('WECHATPAY_PUBLIC_KEY_ID')] = fs.readFileSync(env('WECHATPAY_PUBLIC_KEY'));
  } else if (mode === 'platform') {
    // First contact: no certificate yet. The SDK wants a non-empty `certs` (its own `wxpay crt`
    // starts from this placeholder too) and copies it at construction, so download with a
    // bootstrap instance whose response transform only decrypts (nothing to verify with yet)…
    certs.any = undefined;
    const secret = env('WECHATPAY_APIV3_KEY');
    const decrypting = (raw) => {
      const answer = JSON.parse(raw);
      for (const { serial_no: serial, encrypt_certificate: c } of answer.data || []) {
        certs[serial] = AesGcm.decrypt(c.ciphertext, secret, c.nonce, c.associated_data);
        downloaded.push(serial);
      }
      return answer;
    };
    await client().v3.certificates.get({ transformResponse: [decrypting] });
    delete certs.any;
    const expected = new X509Certificate(fs.readFileSync(env('WECHATPAY_PLATFORM_CERTS')));
    if (!downloaded.includes(expected.serialNumber.toUpperCase())) {
      throw new Error(`downloaded ${downloaded} but the certificate file has serial ${expected.serialNumber}`);
    }
  } else {
    console.error(`node_client.js: unknown mode ${mode}: use public-key or platform`);
    process.exit(2);
  }
  const wxpay = client();
  if (mode === 'platform') {
    // …then download again with the downloaded certificate, verified by the SDK this time.
    await wxpay.v3.certificates.get();
  }

  const coupons = wxpay.v3.marketing.favor.users._openid_.coupons;
  const send = (user, outRequestNo, stockId = STOCK_ID) => outcome(() => coupons.post(
    {
      stock_id: stockId, out_request_no: outRequestNo, appid: APPID, stock_creator_mchid: mchid,
    },
    { openid: user },
  )).then(summary);

  const report = {
    client: 'wechatpay-axios-plugin',
    version: versionOf('wechatpay-axios-plugin'),
    axios: versionOf('axios'),
    mode,
    certificates: downloaded,
  };
  report.send = await send(openid, `${prefix}-1`);
  report.resend = await send(openid, `${prefix}-1`);
  report.lost = await send(lostOpenid, `${prefix}-2`);
  report.lost_resend = await send(lostOpenid, `${prefix}-2`);

  const list = await outcome(() => coupons.get({ openid, params: { appid: APPID, offset: 0, limit: 20 } }));
  const data = (list.data && list.data.data) || [];
  report.list = {
    status: list.status,
    total_count: list.data && list.data.total_count,
    offset: list.data && list.data.offset,
    limit: list.data && list.data.limit,
    coupon_ids: data.map((c) => c.coupon_id),
    out_request_nos: data.map((c) => c.out_request_no),
  };
  const filtered = await outcome(() => coupons.get({
    openid, params: { appid: APPID, status: 'SENDED', creator_mchid: mchid },
  }));
  report.list_filtered = { status: filtered.status, total_count: filtered.data && filtered.data.total_count };

  report.unknown_stock = await send(openid, `${prefix}-3`, UNKNOWN_STOCK_ID);
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error('node_client.js failed:', err && err.stack ? err.stack : err);
  if (err && err.response) console.error('response:', err.response.status, err.response.data);
  process.exit(1);
});
