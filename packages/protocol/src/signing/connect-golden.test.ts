// Golden vectors produced by Apache Kafka Connect 3.9.1 itself (connect-runtime-3.9.1.jar and its libs from
// the Kafka 3.9.1 distribution, `scripts/kafka classpath connect`) on OpenJDK 17.0.15, by a throwaway Java
// program (not committed) that:
// - signed each body below with each key and algorithm through `InternalRequestSignature.addToRequest`
//   on a Jetty client request (the key as `new SecretKeySpec(bytes, "HmacSHA256")`), and read the headers;
// - verified requests through `InternalRequestSignature.fromHeaders` (Connect's REST layer) and then
//   `DistributedHerder.requestNotSignedProperly` (called by reflection on a herder allocated without its
//   constructor, given only its verification algorithms, session key and a SESSIONED group member);
// - built `new DistributedConfig(props)` with required settings plus the `inter.worker.*` ones below;
// - serialised a session key with `JsonConverter` (schemas.enable=false) and `KafkaConfigBackingStore.SESSION_KEY_V0`,
//   as `KafkaConfigBackingStore.putSessionKey` does.
// Where Connect lists "the supported algorithms" of the JVM, Sluice lists its own (asserted separately).
import { describe, expect, it } from 'vitest';
import { resolveInternalRequestSettings } from './settings.js';
import { InternalRequestRejected, signInternalRequest, verifyInternalRequest } from './request-signature.js';
import { generateSessionKey, type SessionKey, sessionKeyFromJson, sessionKeyToJson } from './session-key.js';

const range = (from: number, length: number) =>
  Buffer.from(Array.from({ length }, (_, i) => (from + i) & 0xff));

const KEYS = {
  key32: range(0, 32),
  // Shorter than the SHA-2 key generators allow, longer than none: HMAC takes any key.
  key5: Buffer.from('Jefe!', 'ascii'),
  // Longer than every block size, so the HMAC hashes the key first.
  key200: range(0x40, 200),
} as const;

const TASK_CONFIGS =
  '[{"connector.class":"FileStreamSource","file":"/tmp/in.txt","task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","topic":"lines"}]';
const BODIES: readonly Buffer[] = [
  Buffer.alloc(0),
  Buffer.from(TASK_CONFIGS, 'utf8'),
  Buffer.from('[{"name":"Grüße ✓ 日本 🚀"}]', 'utf8'),
  // Every byte value, most of it not UTF-8: the signature covers raw bytes, not text.
  range(0, 256),
];

// SIGNATURES[algorithm][key][i] is X-Connect-Authorization for BODIES[i].
const SIGNATURES: Record<string, Record<keyof typeof KEYS, readonly string[]>> = {
  HmacSHA256: {
    key32: [
      '04tCCW2A9F+Ca0Sp1WB95ySWpBXT9KGoyI47udqNwcs=',
      'om480MV+tRFHbDmYofcKx8yhuSjsNvgOParxSvWXjOM=',
      'qAkyLo61c72k6DRnk6HkeSDP2U+vmaPcw4crDQannDE=',
      'Qr9vzSrkbjKynOi8v9H0OJbqlIqp3ydE60pH0oqDhsg=',
    ],
    key5: [
      'Gg+PgilwZ/kDUBA04AYzbPEpA0s1VCHRByYzWozySCc=',
      'b6parKDb6R6/MjJEdTnVxSVq7M2CDADSUs9AGBcG9o8=',
      'fQ7cmE6tj9OF5A7IpSzQg4SZ/T/gZ3LTzxJAA/3krtM=',
      '0YGC5NIFdo43KmdMtKJV4Swq0XIeMKPQiFOrPNinuPQ=',
    ],
    key200: [
      '4FAtLy0jZi+9PIJhkMyQfLElgBlxti/z3cosgv+WCbg=',
      'L9FOcdue1f2DCUZGDxYO10I3zbh8NHpPHyRbvQguN1w=',
      'CzXqy554cwtuO7LfhEEv7SSflr6P3OnFHme1/c/ZhAs=',
      'e9BIF80wEiMWHCGZZYhB+VF775NeNckR3vIpWPGe9D8=',
    ],
  },
  HmacSHA1: {
    key32: [
      'tFmyocn8L2aMZQn2kH1B8iCfUHw=',
      '43HJjV4AMmhw0dRu5Y3imT43D0k=',
      'a3uk8LDgq9AxXgH98AAXWxj+HSY=',
      'nDphRTYJMu1IRMyEFDKuDW9AomI=',
    ],
    key5: [
      'TookKzLDqQ61S3ezR1b0MIlPyvg=',
      'RRp2McOCNxo5rmz2RQJph5JZhU8=',
      'qBuVLR+mHLyZoAB5Jk/0/4NwFxU=',
      'eTUUV4EhjkiSsDKOZkHEwgkgCVQ=',
    ],
    key200: [
      'KKv8ZdKtZLp0Wa45y7jct3QA/RU=',
      'hYRSyAgyTWFyZs5jIlsOtXE92o8=',
      'uWREEDdbTzF0eBHStGH4XKPY37Y=',
      'hKHaMjD0ao45dqtG1FIxnS/EYcI=',
    ],
  },
  HmacSHA224: {
    key32: [
      'KnQw+Tu1RW0VXGVAY8cHSqcMAZNqbA5TqflAfw==',
      'sYpQ96vLZvBAbdM87M7vfaww+ChFg541qIAQvQ==',
      'uZTctoE0C2m0l7YQwZiLudqix9Icr/IvclpgFg==',
      'swU46aDgwzjHpCq6u4WMhWFTVa8CD2+3S79Z9A==',
    ],
    key5: [
      'GlN6vfye/Y6lCWHFh5yei491k3oBcFjJ4CRt3w==',
      'MbzHHrOeXu91w7LOkG9hXUweQW8O4shhph5MOg==',
      'J0FBE3aq+kOTKkopLe4HBMS4e2Wfn82ZGCHCKw==',
      'l2Nhd82+H5xoKPqVLW9M5PxBlfq3+CbT64pDDw==',
    ],
    key200: [
      'eFYdFGtsNH0HXl1X62DVcB3Hrrnrf+km+jzCMw==',
      'oPxdR107Zh503AE6EDJuxuqoYeRuh8RGdSPCrQ==',
      'CWydvmRTTILCGgwzOo1YaIO/9nCCJq457pV9wg==',
      'a9MOPoVY7w6KhDmNpbGq6l0MZLcmRaZ8w/I95Q==',
    ],
  },
  HmacSHA384: {
    key32: [
      'j4aDrvJXVhW+CRu2zaRLsQPI/H9o3Qh5gk/6wkbo8sp0ccYF1T9plBxRtHVJFoIW',
      'fJNQmu7x2pxB2tw7PlM4RSwgmmRPLTykkONON2IMzfrIAvrAWgK/QjCxUPoZb0L+',
      'd57S+3i87/3DlQSCg0WQnATi5VArTFK0H/M2L8+4zUriQY128TKesnHr+NP6wXv8',
      'WoABjIPEhi9iXchlKCDWUi7G5JttT9qR1pNqqFXDugWA2AYX/Ji4JtPILpU7OEp0',
    ],
    key5: [
      'vIFtaYZBxDNZsZNz2psb9AVFNwkcUf2kKEO+xJuChVIJKNQJYyVWoiQL+Unv1ccm',
      'WWVI3EeLdZrvXIF6AZYBq/RJPjc2pHzj3okkdKsFjn23ZpQ/nWc7evVgm1NlPHZc',
      'ojpoNWzsF3y9S43BafAKTNjkX8jmjmdvPptYmJKJXfmAerGW6XfBQLBm3C7jzdqL',
      'mg6H87ctb9RM8xRRg9Bmm0jSjNrlqGmhoneXrvQc7C8hw/fPTjrXAcdyEDltvRSR',
    ],
    key200: [
      'nC0jUqDsYrhdaZop3k5nuN2ZlQQ6FWNLtk2+0+rV+illCF+0MeyzLbiSXXbJ4qYH',
      'h5KAN2Pxir135EBhlB2CfJlgx1qNvuAmpya88bR8dkhGiVDIJQG9bZ3R5LuU4xtL',
      'fsJohiDEiDYqvyPuBlXOoa7q8VwwUxvfwD8/8J4Mnss+YTIRyZE/uYFI3nyP4pUJ',
      'tz92l4s8Rtd99S1Jz7Z3ZOupOXOc1nxQZwlhyWrzHRc1A4+dMjOLl/uTA5lG1sdo',
    ],
  },
  HmacSHA512: {
    key32: [
      'sEpw9F6VKZaAYPACY0TV9NpZ8cPOIoJF9rsIjXuKqfyPXzwqSAJ+SDON4PvsfZ2P7ZY64zPSucVwTi6Vhk7Hiw==',
      'mOM1Tlr6o7SUwIqxMet1q92w9WvGHGBdkQTaZ9owhJu02vkgYxwxAaLogCoaCLwYyhkBG5s+reZ6CiQIz45fOg==',
      'huMANwcE0QJah293gfxKtXJbRG4oxa2iIrJQBeExW9rQLNDlAsxKcYBAcwP4rjF1u5XsTKDT49HLKV7l3OF3rg==',
      'eQXKZBCitZtkun6w82m3Vv4wqnY4SxKS9+CPT3vN53IqBd4uqq2zwTihlNgyIQV5QYVu6SSqPUlNw+HYiSoNrA==',
    ],
    key5: [
      'pxecPuVU9SRB0Vyoj8+IGlpXP2jL6cvNSQ3IJZvK94B8VUEv19ycbThbRP9EOMuDKgncauZxRiCdhpnWeHHNjA==',
      'OZLiL2ZgYidef696OHbea+e3aBUjz8viKmfXwpptevfTzR1r2/JCX5WJ8+xSSDFLa+66dyac8GRQiaWFvte1LQ==',
      'RkAJO09heM91IgBmlYxJ4uvDTlE73uEM07Ao2j6TrNMlMsNJYakiprEx/OKXSt54PORpL5A73la3jZucZlQXkA==',
      't4posZ1OT0kGxE7c5gqEk/rS+zi0ByotRSxKuUmwhFZ7GroZK6G8g0A1OrSczR9SrsjfnrRPxcRRCWWB11JxSg==',
    ],
    key200: [
      '9SwDtSD743vUpznJjtwAHO7MxabZRZ+zkAXVPjxd5SPVQhEWLu/kMVE4+U0Lf2OSArT+Qpq4qDLrD4tp6pY6Vw==',
      'uowfTihVIgkDulZrOs3CQTVp85tUjbV9ige+3KJ68bzzOW4KY8CzfBsuYM+nr9o9bWalxN47pJ+n4HhwrL1K1A==',
      'CMVDIYLBYy3ClwLvwIrbm3TgRbpagoJ4bPc0EhREn26JMOgotXCu/Qim0Ai9ySIReSL8GAVg3xXp+/ri0LlPHw==',
      'RipyACDGtJ6DJ2P+IaA9P7dHXhnXPVmQ2VeZ02/LkG/C96/Qv3ZhzZ+nPmsUM7+IhJOdT2NcY5zyRAiQ/L3z+Q==',
    ],
  },
  'HmacSHA512/224': {
    key32: [
      'Tsjo9l0eDwogl68sh7kHv4kdhFLFuUURrx2xqQ==',
      'c+4pxyTEqFos2aowmtlu1ASfQrDYJMkAWchyog==',
      '6kh9rvajA10LXu1Q/NnxP7JzQhZzlcnn3UYrLA==',
      'krcnu8bp+y0nCCQtbGem3OnqocNnNixED1NrWg==',
    ],
    key5: [
      'kXg0Uy1d/03Wpoc0IV5kXDV4UJzWI7Abszr5ng==',
      'IdcHRA5GP4BH9FlEo+uQseIXi1mcHmHj3/GzPg==',
      'xRJahxfPeePleamfY8ZjqEAmEADHNLoKyYHE7A==',
      'aXfSuuSPeUrOZR6qYwGbONDZJJq/0gORaxwHDQ==',
    ],
    key200: [
      'VMbar41QyLG+GNXx6VT2oDSPXo9VHSGgEqFMfQ==',
      'FmQxtqzf1gff/MCqXCcPY5WCciq2vP3o+Cf+lw==',
      '+x/SBxUnTLjE1M4GPkfFAz2TAasqy/YLNzRZUg==',
      'r+lIZaN9IUYHxHc7sFaFPJU568/Sd+bRJYCXtg==',
    ],
  },
  'HmacSHA512/256': {
    key32: [
      'YtBpYt0sQRSgfQse8W3yfMXy2cgPwkboqe97m3xZqsw=',
      '4Y1LIst/SVh6MaWVwUs91KSRO9JZrcU1wwR9MOlT5o4=',
      'SNIneB006NEj6uUU5I8UkLMFi3zAndukYkpEZKjBbsw=',
      '2d0XK3v+Wui3hJb2zzR/3fAJWcVpjrDyiF/T9gO5TUk=',
    ],
    key5: [
      'f6WXbNguuh78tDIDTZm28g/1+0yPdyMjdO/UbOhcsj8=',
      'f4pOYnfi8P9QgJsB2e6U3zBBJVu393O6X43HRWSYMcI=',
      'V5RQXlsOURWO3MOyzTfQnzHQrzxo8ZKMR751ALlY5sM=',
      'YYSk9UExXY2uGfFnOL0cNtMKGeasPHPWVq3KGjw+5m0=',
    ],
    key200: [
      'Lu6J3vxX6KbIQOh/GOo66N/vnAUv0/pRRn56GvUC5Os=',
      'q4ge0aXX3Hg4r47cYUjJyQ+pP/Py5g3GfSy6GGthTLM=',
      'PtQxJgv0ueJfQQhdp7LKaVRzMWW2eHhG3d8QYyrzl4U=',
      'efJduOEd/2iZNEM4TOy0QkMR/MTVUUCr6J7hflddtIA=',
    ],
  },
  'HmacSHA3-224': {
    key32: [
      'LjfG/WT9igRlPSYDI7xyZILYy2tNnlngK9WM2Q==',
      'ZjaBcC3RJFv2KgimSEgVclaptWtiSkpycYJm1Q==',
      'deGT+Ralo3aLtMkpk/VAxVfVLmZw9AKOapfSHw==',
      '5geJVjQVgXLbqGWi7ommxZk5UBYxkLxShS85uA==',
    ],
    key5: [
      'Z0JFR0/xtw4UOQelEfZexqcPsIsxt/p2ObIdeg==',
      'eiDiqPL78qvQyJrC1tpoJKnMsc0mQpfl50erkQ==',
      'dQeS7xZszLVyW63FeuerqkivPv0yISrLKcb66w==',
      'aAG3HBjhmV8vnpPX/O+0LnlDxPbLIlXx0WjXEQ==',
    ],
    key200: [
      'Zc6EvSnqASKLtD72GAnYAmSuO7Hbc7EUFcp8oQ==',
      'ZYVytbd/lsvjy3tqoLMIz3jIxMdupwQezO9d+w==',
      'MjQju/F9jJvieVwyvK0Kq4xVF30YhoV+prnTZA==',
      'mw++r95D1C/QwXNV/CTGZ//ZaJBOrsAhFMSYzQ==',
    ],
  },
  'HmacSHA3-256': {
    key32: [
      'UKsWBgNDg/5LO0vAo0GoLkCsheRVzf7tTKyQKnuMz8E=',
      'Pb5v51fhtzrvoPKLvTY0UCs4BOCbFdEmb0GDhhmtyo8=',
      '/DWHkXF1MtyWO0msohrpIava39jbkUyDNSwRC7GlK8I=',
      'vmKtK8waN4yM4ssEa8jPKkmL9CzkYz/BVCzj1cakTms=',
    ],
    key5: [
      'eGP2AnQu26Ox583br6m5c1UR4lmtLjnzMJL//ew/PIg=',
      'AQOHD/XGcZpH8LEasZwb9ajPScRLlMlHM9S20+AXoWE=',
      'Chflf9/TXKOqOcyS3qbo93UsDi8r5MKWc0mcmsPXfXE=',
      'aCW0sEDY0x4LaxjhAbPgXmMgqP6QWt91wBk4wtakq9Y=',
    ],
    key200: [
      'x30WMtH27XdGef6L3wep8eU/9YwA5qODRv7UoaaHX8k=',
      'ESYh76ba3KH9/NAPCp8p2lfOgfATV/LY2XTv8jYJzIc=',
      'o3+BZx44m6YLchL+8mEFQlqv3esYmbtI+X9PqShG2sk=',
      'Oe/kDpkxcR42xXtMik+419+IlUd2Jc/RBiLS2MC5mBA=',
    ],
  },
  'HmacSHA3-384': {
    key32: [
      'EGZacPI9EmyqbLvGS/VEjM8J24OgpTlslzwMzhe468tVuuOTwmK2nLWHWLIBKmoV',
      'cnK7HkSMebbTgQMT7F8sVHMccLYawR44cSOiCVd9D7emCd57UAV4vXdDadUaRs+Z',
      'R1ikF/CLQeG+a7a2+SRd7TuNOMeJ3J+UZapYn365+338hTyeNR6jJ7p1+KdVlg9w',
      'lghe5cv5LVrWL0FdWADNiPhF5HfJmiLW2lbfvXUhQDarYMqgDSYhzK+qeb3EP9h+',
    ],
    key5: [
      'VxBLGNdTmKhsrui1UNXdvHWimi1MpGBhh/48BCKTcclPh258AVDL16pPWa7WrelJ',
      'S9adETOl2ovupW3TxBNHK+SMlfplxFj4zyavQfCK8lugfqpQjJ3Pz/KKLQW+OjxS',
      'V4zLxHCSAXkBEi7NVatwiLE/lqnEtPty/H2fmblNZd9enDEn93j76ThsTiuIQKSk',
      'cB7MWYJCB1P7tu/s/cOJ1pDH9sOdK36O9drx3h04gAOvqQZYkbJ8sPC6yDyDJg8q',
    ],
    key200: [
      '0SwtTrbEs68bdqG0MByIYBJSfu7IhuSwF4W81/VANJ+V/v6yc0b9DQhNfjNS7ylY',
      'jBUbM4MD9Wz8k9Ike4tzfAGkwb7Mv0Yq8T5zknSIqrpdsG96rsoAV1Uz5/OxFr8h',
      'SP3++1Nyp7sRHPxlbnitIrOTaAphwMIZC3n7/WITeqlxW74bRoCh/dhlyCFF+Kvf',
      'mm5gZ4HpWfU4jkPEfYsgUuG23HNfJKj6w1RAq+7NWE2wMj8sS0guf/lzLOZB1g2w',
    ],
  },
  'HmacSHA3-512': {
    key32: [
      'H/qMgTK/jvIDluPQMo14dCmbJgu7/EcPPZvSmnbMnR5f7NMtHaD7LCYPLCB7a0hiU12c/JrbXapvMaIs7zhtTw==',
      'hRKPJge10GgLoXJFWkNq0zwgbFTM3x6BOQSjv3btavVD1pDF67w5azpvOx+9/W7jDhjaeHhJ4M3SQ4btOdWnMQ==',
      'lYHgydmdvTS3PiC0PGYGDj1jNZuk58yDyzAiVnlffj7SDWj7f6vRk6b8Lg4KZ7UApUR4Now8HYxRd80qZljTpQ==',
      '2BSy9jTLG3orCiz+HSFXoXoPltBsWGrrtoW6BuF2Wg6igmP2We99iL9z2O82AYHD9Z9PrwT36Pok1yVLzWnVXg==',
    ],
    key5: [
      'o7Vt0s/TpdDbS4hcRGy5TrpIZt+Xzydo8LiXTkzDfR3HrO6eWoa6/XpHORY76cu2ua4xcD/qiFt7PiwuBBthsQ==',
      'TvY2fFIPWrUS70pTvT5FdVT5k8sjqNM4kF+MK9YtRzN3SByFBc/Xpt4ey7XLdpCkVDWESJS3ZiNsAJuW3xhjCA==',
      '134brx2TGDGLIQ8q7yfYVP+hc58pOkP7YHN+x4NcDUsbmtFgz6W+vGOxdU76pzNxZRDbz46OIOLnGwfx036NlQ==',
      'k4SquQRkKCfMpTL4V51rIN3GbJVJSotY0z08ewZe3CG5DOqr8pdY6G7qcYKAfdYFoJuM73gC0k0x0ZuYTAyzuw==',
    ],
    key200: [
      'SBhjYLzSLfbrurtMqCBVTI+DrvDvhTGQBDOJouWkiOdv+AbK64R4OBD3fZfnRBn5IUIhp7L4PPG1fHuegZKIZg==',
      'FF4KyCZttbqofoKJdMEMCbSJxVPVNZvbX5SHxVkJdHK5/JWEKpD2H7HArv5SF1+iLYNe89ObCX6OC/g7rbD0Hw==',
      'xJnWvfgZUTVSafjkwA/H9eFGM5reSy9U2w3PuzA9gMK3syH8SEUNyRk4qI3KSdOYYDRMh5FWGiJF+4bHfjcG4Q==',
      'tCdqyXi5h3YYvwhozh8rIP3bR5OAbkoH9dQtiK9jP7tT7sSTKkWiy1DUJ/JHIXujfJCcby2VptlVURQk78U6zg==',
    ],
  },
  HmacMD5: {
    key32: [
      'T1xyZ12dCpC4EBUriyLUYg==',
      'dZQSrqXCQgZpGXtfb9cc8Q==',
      'a7iF0VTsbN0FM6oBTOPeEg==',
      'Voqg89mSNLQ8M3oK9AtmWg==',
    ],
    key5: [
      'HwuJVt+Jz9FpHO+/t/137A==',
      'GfPBPAiDO0wF0HAa0PK3Ug==',
      'abegqAm5VREK/yUqDneYQw==',
      'AJgr3vbDVneWe6NfPGsUtg==',
    ],
    key200: [
      'T7cHJ7s/+/Vt8I1pb53PyQ==',
      '0+zCFjYCfLDp5m54sJeVrg==',
      'xX/97EyJY7YztcySSK32RQ==',
      '+OWVnNIN1isDfhA+Il+1Cw==',
    ],
  },
};

const sessionKey = (key: Buffer): SessionKey => ({ key, algorithm: 'HmacSHA256', creationTimestamp: 0 });

describe("signatures byte-identical to Connect's", () => {
  it('holds the UTF-8 body Connect signed', () => {
    expect(BODIES[2]!.toString('hex')).toBe(
      '5b7b226e616d65223a224772c3bcc39f6520e29c9320e697a5e69cac20f09f9a80227d5d',
    );
  });

  for (const [algorithm, byKey] of Object.entries(SIGNATURES)) {
    it(`signs and verifies like Connect with ${algorithm}`, () => {
      for (const [name, signatures] of Object.entries(byKey)) {
        const key = sessionKey(KEYS[name as keyof typeof KEYS]);
        BODIES.forEach((body, i) => {
          const headers = signInternalRequest(key, algorithm, body);
          expect(headers, `${name}, body ${i}`).toEqual({
            'X-Connect-Authorization': signatures[i],
            'X-Connect-Request-Signature-Algorithm': algorithm,
          });
          expect(
            verifyInternalRequest({
              headers: (h) => headers[h],
              body,
              key,
              verificationAlgorithms: [algorithm],
            }),
          ).toBe(key);
        });
      }
    });
  }
});

describe("verification outcomes and messages as Connect's REST layer and herder produce them", () => {
  const key = sessionKey(KEYS.key32);
  const body = Buffer.from(TASK_CONFIGS, 'utf8');
  const good = 'om480MV+tRFHbDmYofcKx8yhuSjsNvgOParxSvWXjOM=';
  const unsupported = (algorithm: string) =>
    `This worker does not support the '${algorithm}' key signing algorithm used by other workers. ` +
    'This worker is currently configured to use: [HmacSHA256, HmacSHA512]. ' +
    "Check that all workers' configuration files permit the same set of signature algorithms, " +
    'and correct any misconfigured worker and restart it.';
  const noKey =
    'This worker is still starting up and has not been able to read a session key from the config topic yet';
  const both = (signature: string, algorithm: string) => ({
    'X-Connect-Authorization': signature,
    'X-Connect-Request-Signature-Algorithm': algorithm,
  });
  // [case, headers, body, session key, Connect's status and message ('accepted' if it took the request)]
  const cases: Array<[string, Record<string, string>, Buffer, SessionKey | undefined, string]> = [
    ['valid', both(good, 'HmacSHA256'), body, key, 'accepted'],
    ['no headers', {}, body, key, '400 Internal request missing required signature'],
    [
      'signature only',
      { 'X-Connect-Authorization': good },
      body,
      key,
      '400 Internal request missing required signature',
    ],
    [
      'algorithm only',
      { 'X-Connect-Request-Signature-Algorithm': 'HmacSHA256' },
      body,
      key,
      '400 Internal request missing required signature',
    ],
    ['algorithm not in the list', both(good, 'HmacSHA1'), body, key, `400 ${unsupported('HmacSHA1')}`],
    ['algorithm in other case', both(good, 'hmacsha256'), body, key, `400 ${unsupported('hmacsha256')}`],
    [
      'algorithm by OID',
      both(good, '1.2.840.113549.2.9'),
      body,
      key,
      `400 ${unsupported('1.2.840.113549.2.9')}`,
    ],
    ['JVM MAC Sluice lacks', both(good, 'SslMacMD5'), body, key, `400 ${unsupported('SslMacMD5')}`],
    ['no session key', both(good, 'HmacSHA256'), body, undefined, `503 ${noKey}`],
    ['no session key, bad signature', both('AAAA', 'HmacSHA256'), body, undefined, `503 ${noKey}`],
    [
      'tampered body',
      both(good, 'HmacSHA256'),
      Buffer.from('[{"connector.class":"FileStreamSource"}]'),
      key,
      '403 Internal request contained invalid signature.',
    ],
    [
      'wrong key',
      both(good, 'HmacSHA256'),
      body,
      sessionKey(range(1, 32)),
      '403 Internal request contained invalid signature.',
    ],
    [
      'wrong algorithm header',
      both(good, 'HmacSHA512'),
      body,
      key,
      '403 Internal request contained invalid signature.',
    ],
    ['unknown algorithm', both(good, 'HmacFoo'), body, key, '400 Algorithm HmacFoo not available'],
    ['empty algorithm', both(good, ''), body, key, '400 Algorithm  not available'],
    [
      'empty signature',
      both('', 'HmacSHA256'),
      body,
      key,
      '403 Internal request contained invalid signature.',
    ],
    ['signature not Base64', both('not base64!', 'HmacSHA256'), body, key, '400 Illegal base64 character 20'],
    [
      'not Base64 before not in the list',
      both('not base64!', 'HmacSHA1'),
      body,
      key,
      '400 Illegal base64 character 20',
    ],
    [
      'truncated signature',
      both(good.slice(0, 40), 'HmacSHA256'),
      body,
      key,
      '403 Internal request contained invalid signature.',
    ],
    ['signature without padding', both(good.replace('=', ''), 'HmacSHA256'), body, key, 'accepted'],
  ];
  // The REST layer's statuses for each reason (the protocol package itself knows none).
  const STATUS = {
    'missing-signature': 400,
    'unsupported-algorithm': 400,
    'malformed-signature': 400,
    'no-session-key': 503,
    'invalid-signature': 403,
  } as const;

  it.each(cases)('%s', (_, headers, requestBody, sessionKey, expected) => {
    let outcome: string;
    try {
      verifyInternalRequest({
        headers: (name) => headers[name],
        body: requestBody,
        key: sessionKey,
        verificationAlgorithms: ['HmacSHA256', 'HmacSHA512'],
      });
      outcome = 'accepted';
    } catch (error) {
      if (!(error instanceof InternalRequestRejected)) throw error;
      outcome = `${STATUS[error.reason]} ${error.message}`;
    }
    expect(outcome).toBe(expected);
  });
});

describe("settings validated as Connect's DistributedConfig validates them", () => {
  const JVM_LIST = 'the algorithm is not supported by this JVM; the supported algorithms are: [...]';
  const OURS = 'the algorithm is not supported by this worker; the supported algorithms are: [...]';
  // [settings, Connect's outcome]: the resolved settings, or the ConfigException's message.
  const cases: Array<[Record<string, string>, string]> = [
    [{}, 'ttl=3600000 gen=HmacSHA256 size=null sig=HmacSHA256 ver=[HmacSHA256] key=32 bytes'],
    [
      { 'inter.worker.key.ttl.ms': '-1' },
      'Invalid value -1 for configuration inter.worker.key.ttl.ms: Value must be at least 0',
    ],
    [
      { 'inter.worker.key.ttl.ms': 'abc' },
      'Invalid value abc for configuration inter.worker.key.ttl.ms: Not a number of type INT',
    ],
    [
      { 'inter.worker.key.ttl.ms': '' },
      'Invalid value  for configuration inter.worker.key.ttl.ms: Not a number of type INT',
    ],
    [
      { 'inter.worker.key.ttl.ms': ' +007 ' },
      'ttl=7 gen=HmacSHA256 size=null sig=HmacSHA256 ver=[HmacSHA256] key=32 bytes',
    ],
    [
      { 'inter.worker.key.ttl.ms': '2147483648' },
      'Invalid value 2147483648 for configuration inter.worker.key.ttl.ms: Not a number of type INT',
    ],
    [
      { 'inter.worker.key.ttl.ms': '0' },
      'ttl=0 gen=HmacSHA256 size=null sig=HmacSHA256 ver=[HmacSHA256] key=32 bytes',
    ],
    [
      { 'inter.worker.key.ttl.ms': '1.5' },
      'Invalid value 1.5 for configuration inter.worker.key.ttl.ms: Not a number of type INT',
    ],
    [
      { 'inter.worker.key.generation.algorithm': 'HmacFoo' },
      `Invalid value HmacFoo for configuration inter.worker.key.generation.algorithm: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.key.generation.algorithm': '' },
      `Invalid value  for configuration inter.worker.key.generation.algorithm: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.key.generation.algorithm': ' hmacsha512 ' },
      'ttl=3600000 gen=hmacsha512 size=null sig=HmacSHA256 ver=[HmacSHA256] key=64 bytes',
    ],
    [
      { 'inter.worker.key.generation.algorithm': '1.2.840.113549.2.9' },
      'ttl=3600000 gen=1.2.840.113549.2.9 size=null sig=HmacSHA256 ver=[HmacSHA256] key=32 bytes',
    ],
    [
      { 'inter.worker.key.size': '39' },
      'Unable to create key generator with algorithm HmacSHA256 and key size 39: Key length must be at least 40 bits',
    ],
    [
      { 'inter.worker.key.size': '40' },
      'ttl=3600000 gen=HmacSHA256 size=40 sig=HmacSHA256 ver=[HmacSHA256] key=5 bytes',
    ],
    [
      { 'inter.worker.key.size': '0' },
      'Unable to create key generator with algorithm HmacSHA256 and key size 0: Key length must be at least 40 bits',
    ],
    [
      { 'inter.worker.key.size': '-8' },
      'Unable to create key generator with algorithm HmacSHA256 and key size -8: Key length must be at least 40 bits',
    ],
    [
      { 'inter.worker.key.size': 'abc' },
      'Invalid value abc for configuration inter.worker.key.size: Not a number of type INT',
    ],
    [
      { 'inter.worker.key.size': '' },
      'Invalid value  for configuration inter.worker.key.size: Not a number of type INT',
    ],
    [
      { 'inter.worker.key.size': '8', 'inter.worker.key.generation.algorithm': 'HmacSHA1' },
      'ttl=3600000 gen=HmacSHA1 size=8 sig=HmacSHA256 ver=[HmacSHA256] key=1 bytes',
    ],
    [
      { 'inter.worker.signature.algorithm': 'HmacFoo' },
      `Invalid value HmacFoo for configuration inter.worker.signature.algorithm: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.signature.algorithm': 'HmacSHA512' },
      'Invalid value HmacSHA512 for configuration inter.worker.signature.algorithm: Signature algorithm must be present in inter.worker.verification.algorithms list',
    ],
    [
      { 'inter.worker.signature.algorithm': 'hmacsha256' },
      'Invalid value hmacsha256 for configuration inter.worker.signature.algorithm: Signature algorithm must be present in inter.worker.verification.algorithms list',
    ],
    [
      {
        'inter.worker.signature.algorithm': 'HmacSHA512',
        'inter.worker.verification.algorithms': 'HmacSHA256, HmacSHA512',
      },
      'ttl=3600000 gen=HmacSHA256 size=null sig=HmacSHA512 ver=[HmacSHA256, HmacSHA512] key=32 bytes',
    ],
    [
      { 'inter.worker.verification.algorithms': '' },
      'Invalid value [] for configuration inter.worker.verification.algorithms: At least one signature verification algorithm must be provided',
    ],
    [
      { 'inter.worker.verification.algorithms': 'HmacSHA256,' },
      `Invalid value  for configuration inter.worker.verification.algorithms: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.verification.algorithms': 'HmacSHA256 , HmacFoo' },
      `Invalid value HmacFoo for configuration inter.worker.verification.algorithms: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.verification.algorithms': ' , ' },
      `Invalid value  for configuration inter.worker.verification.algorithms: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.verification.algorithms': 'HmacSHA1' },
      'Invalid value HmacSHA256 for configuration inter.worker.signature.algorithm: Signature algorithm must be present in inter.worker.verification.algorithms list',
    ],
    // With several bad settings, the first in Connect's order is reported.
    [
      { 'inter.worker.key.ttl.ms': '-1', 'inter.worker.signature.algorithm': 'HmacFoo' },
      'Invalid value -1 for configuration inter.worker.key.ttl.ms: Value must be at least 0',
    ],
    [
      { 'inter.worker.signature.algorithm': 'HmacFoo', 'inter.worker.verification.algorithms': '' },
      `Invalid value HmacFoo for configuration inter.worker.signature.algorithm: ${JVM_LIST}`,
    ],
    [
      { 'inter.worker.key.size': '39', 'inter.worker.signature.algorithm': 'HmacSHA512' },
      'Unable to create key generator with algorithm HmacSHA256 and key size 39: Key length must be at least 40 bits',
    ],
    [
      { 'inter.worker.verification.algorithms': '', 'inter.worker.key.generation.algorithm': 'HmacFoo' },
      `Invalid value HmacFoo for configuration inter.worker.key.generation.algorithm: ${JVM_LIST}`,
    ],
  ];

  it.each(cases)('%j', (settings, expected) => {
    let outcome: string;
    try {
      const s = resolveInternalRequestSettings(new Map(Object.entries(settings)));
      const key = generateSessionKey(s.keyGenerationAlgorithm, s.keySizeBits);
      outcome =
        `ttl=${s.keyTtlMs} gen=${s.keyGenerationAlgorithm} size=${s.keySizeBits} sig=${s.signatureAlgorithm} ` +
        `ver=[${s.verificationAlgorithms.join(', ')}] key=${key.key.length} bytes`;
    } catch (error) {
      outcome = (error as Error).message.replace(
        /supported algorithms are: \[.*\]$/,
        'supported algorithms are: [...]',
      );
    }
    expect(outcome).toBe(expected.replace(JVM_LIST, OURS));
  });
});

describe("the session-key record as Connect's config store writes it", () => {
  it('serialises byte for byte', () => {
    expect(
      sessionKeyToJson({ key: range(0, 32), algorithm: 'HmacSHA256', creationTimestamp: 1718000000123 }),
    ).toBe(
      '{"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","algorithm":"HmacSHA256","creation-timestamp":1718000000123}',
    );
    expect(
      sessionKeyToJson({ key: range(0x80, 64), algorithm: 'HmacSHA512/256', creationTimestamp: 0 }),
    ).toBe(
      '{"key":"gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+vw==","algorithm":"HmacSHA512/256","creation-timestamp":0}',
    );
  });

  it('reads what Connect wrote', () => {
    expect(
      sessionKeyFromJson(
        '{"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","algorithm":"HmacSHA256","creation-timestamp":1718000000123}',
      ),
    ).toEqual({ key: range(0, 32), algorithm: 'HmacSHA256', creationTimestamp: 1718000000123 });
  });
});
