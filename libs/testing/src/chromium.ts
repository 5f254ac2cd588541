import { existsSync } from 'node:fs';

/** Debian's chromium; the flags keep it off the network this machine does not have. */
export function chromiumLaunchOptions() {
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath) throw new Error('chromium is not installed; install it with `apt-get install chromium`');
  return {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  };
}

/** A phone's viewport (an iPhone 12-14's CSS pixels): the page's first screen must fit in it. */
export const PHONE = { width: 390, height: 844 } as const;
