/** ctrscope's version, as package.json states it (kept in step by hand; checked by a unit test). */
export const VERSION = '0.1.0';
