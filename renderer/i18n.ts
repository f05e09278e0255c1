/** UI strings: zh-CN first, English second. Every key must exist in both (checked by the compiler). */
const zh = {
  title: '空巡 无人机巡逻站',
  connecting: '正在连接站点…',
  connected: '已连接',
  disconnected: '与站点的连接已断开，正在重连…',
  simulated: '内置模拟机队',
  drones: '无人机',
  noDrones: '尚未发现无人机',
  mode: '模式',
  armed: '已解锁',
  disarmed: '已上锁',
  battery: '电池',
  gps: '卫星',
  altitude: '相对高度',
  speed: '地速',
  link: '链路丢包',
  lost: '失联',
  events: '事件',
  language: 'English',
  noFix: '无定位',
} as const;

type Strings = { [K in keyof typeof zh]: string };

const en: Strings = {
  title: 'Kongxun patrol drone station',
  connecting: 'Connecting to the station…',
  connected: 'Connected',
  disconnected: 'Lost the station connection, reconnecting…',
  simulated: 'built-in simulated fleet',
  drones: 'Drones',
  noDrones: 'No drone seen yet',
  mode: 'Mode',
  armed: 'Armed',
  disarmed: 'Disarmed',
  battery: 'Battery',
  gps: 'Satellites',
  altitude: 'Alt (rel.)',
  speed: 'Ground speed',
  link: 'Link loss',
  lost: 'LOST',
  events: 'Events',
  language: '中文',
  noFix: 'no fix',
};

export type Lang = 'zh-CN' | 'en';
export type StringKey = keyof typeof zh;
export const STRINGS: Record<Lang, Strings> = { 'zh-CN': zh, en };
