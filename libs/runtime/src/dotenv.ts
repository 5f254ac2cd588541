import { config } from 'dotenv';

/** Reads `.env` from the working directory when there is one; real environment wins. */
export function loadDotenv(): void {
  config({ quiet: true });
}
