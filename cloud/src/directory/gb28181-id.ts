/**
 * GB/T 28181 device ids (编码规则A, GB/T 28181-2016 Annex D): 20 decimal digits
 *
 *   digits  1–8   centre code (中心编码): a 6-digit administrative division code (GB/T 2260:
 *                 province 2 + city 2 + district/county 2) and a 2-digit grass-roots unit (基层接入单位);
 *                 unused trailing positions are 0
 *   digits  9–10  industry code (行业编码): 00–99 are all assigned or reserved, so any value passes
 *   digits 11–13  type code (类型编码), see {@link GB_TYPE_CODES}
 *   digit  14     network code (网络标识): 0–4 private video network, 5 public-security network,
 *                 6 e-government, 7 Internet, 8 social resources, 9 reserved — any digit passes
 *   digits 15–20  serial number
 */

/** The 34 province-level divisions of GB/T 2260 (first two digits of a division code). */
export const PROVINCE_CODES: ReadonlyMap<string, string> = new Map([
  ['11', '北京市'],
  ['12', '天津市'],
  ['13', '河北省'],
  ['14', '山西省'],
  ['15', '内蒙古自治区'],
  ['21', '辽宁省'],
  ['22', '吉林省'],
  ['23', '黑龙江省'],
  ['31', '上海市'],
  ['32', '江苏省'],
  ['33', '浙江省'],
  ['34', '安徽省'],
  ['35', '福建省'],
  ['36', '江西省'],
  ['37', '山东省'],
  ['41', '河南省'],
  ['42', '湖北省'],
  ['43', '湖南省'],
  ['44', '广东省'],
  ['45', '广西壮族自治区'],
  ['46', '海南省'],
  ['50', '重庆市'],
  ['51', '四川省'],
  ['52', '贵州省'],
  ['53', '云南省'],
  ['54', '西藏自治区'],
  ['61', '陕西省'],
  ['62', '甘肃省'],
  ['63', '青海省'],
  ['64', '宁夏回族自治区'],
  ['65', '新疆维吾尔自治区'],
  ['71', '台湾省'],
  ['81', '香港特别行政区'],
  ['82', '澳门特别行政区'],
]);

/** Municipalities directly under the central government: their second level is only 01 (districts) or 02 (counties). */
const MUNICIPALITIES: ReadonlySet<string> = new Set(['11', '12', '31', '50']);
/** Divisions GB/T 2260 lists without subdivisions. */
const UNDIVIDED: ReadonlySet<string> = new Set(['71', '81', '82']);

/**
 * Type codes of GB/T 28181-2016 Annex D for front-end devices, and whether each is a camera. Only 131
 * (摄像机, a camera, analogue ones behind an encoder included) and 132 (网络摄像机 IPC) are video
 * capture devices. The rest of 111–130 are front-end main devices that record, encode, decode, switch
 * or control (a DVR, NVR or encoder is a source of many cameras' video, but each camera behind it has
 * its own 131/132 channel id, which is what the directory lists); the rest of 133–199 are displays,
 * alarm and audio peripherals, mobile transmission units, or unassigned extension ranges.
 */
export const GB_TYPE_CODES: ReadonlyMap<string, { name: string; camera: boolean }> = new Map([
  ['111', { name: 'DVR (数字视频录像机)', camera: false }],
  ['112', { name: 'video server (视频服务器)', camera: false }],
  ['113', { name: 'encoder (编码器)', camera: false }],
  ['114', { name: 'decoder (解码器)', camera: false }],
  ['115', { name: 'video matrix (视频切换矩阵)', camera: false }],
  ['116', { name: 'audio matrix (音频切换矩阵)', camera: false }],
  ['117', { name: 'alarm controller (报警控制器)', camera: false }],
  ['118', { name: 'NVR (网络视频录像机)', camera: false }],
  ['131', { name: 'camera (摄像机)', camera: true }],
  ['132', { name: 'IP camera (网络摄像机 IPC)', camera: true }],
  ['133', { name: 'display (显示器)', camera: false }],
  ['134', { name: 'alarm input device (报警输入设备)', camera: false }],
  ['135', { name: 'alarm output device (报警输出设备)', camera: false }],
  ['136', { name: 'audio input device (语音输入设备)', camera: false }],
  ['137', { name: 'audio output device (语音输出设备)', camera: false }],
  ['138', { name: 'mobile transmission device (移动传输设备)', camera: false }],
  ['139', { name: 'other peripheral (其他外围设备)', camera: false }],
]);

/** The fields of a well-formed id. */
export interface GbIdParts {
  /** 6-digit administrative division code. */
  division: string;
  province: string;
  /** 2-digit grass-roots unit. */
  unit: string;
  industry: string;
  type: string;
  network: string;
  serial: string;
}

/** Why an id is not a plausible camera id, or its parts. */
export type GbIdCheck = { ok: true; parts: GbIdParts } | { ok: false; problem: string };

function describeType(type: string): string {
  const known = GB_TYPE_CODES.get(type);
  if (known) return `${type} is a ${known.name}`;
  const n = Number(type);
  if (n >= 119 && n <= 130) return `${type} is an extension front-end main device type`;
  if (n >= 140 && n <= 199) return `${type} is an extension front-end peripheral type`;
  if (n >= 200 && n <= 299) return `${type} is a platform device`;
  if (n >= 300 && n <= 499) return `${type} is a user`;
  return `${type} is not a front-end device type`;
}

/** Checks the centre code: a real province, a plausible division below it, a unit only below a district. */
function centreProblem(province: string, city: string, district: string, unit: string): string | undefined {
  if (!PROVINCE_CODES.has(province)) return `${province} is not a province-level division code (11–82)`;
  const division = `${province}${city}${district}`;
  if (UNDIVIDED.has(province) && `${city}${district}${unit}` !== '000000') {
    return `${division}${unit}: ${PROVINCE_CODES.get(province)} has no subdivisions in GB/T 2260 (expected ${province}000000)`;
  }
  const c = Number(city);
  if (MUNICIPALITIES.has(province) ? c > 2 : c > 70 && c !== 90) {
    return `${division}: ${city} is not a prefecture-level code of ${PROVINCE_CODES.get(province)}`;
  }
  if (city === '00' && district !== '00') return `${division}: a county-level code needs its prefecture (digits 3–4 are 00)`;
  if (district === '00' && unit !== '00') return `${division}${unit}: a grass-roots unit needs its county-level division (digits 5–6 are 00)`;
  return undefined;
}

/**
 * Checks that `id` is a GB/T 28181 id a camera may carry: 20 digits, a centre code with a real
 * province and a plausible division below it, and a camera type code (131 or 132).
 */
export function checkCameraGbId(id: string): GbIdCheck {
  if (!/^[0-9]{20}$/.test(id)) return { ok: false, problem: 'a GB/T 28181 id is 20 digits' };
  const province = id.slice(0, 2);
  const centre = centreProblem(province, id.slice(2, 4), id.slice(4, 6), id.slice(6, 8));
  if (centre) return { ok: false, problem: `centre code ${centre}` };
  const type = id.slice(10, 13);
  if (!GB_TYPE_CODES.get(type)?.camera) {
    return { ok: false, problem: `type code (digits 11–13) ${describeType(type)}, not a camera (131 or 132)` };
  }
  return {
    ok: true,
    parts: {
      division: id.slice(0, 6),
      province,
      unit: id.slice(6, 8),
      industry: id.slice(8, 10),
      type,
      network: id.slice(13, 14),
      serial: id.slice(14),
    },
  };
}
