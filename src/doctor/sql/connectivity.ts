/** What the connectivity check sends (connectivity.ts). */

/** The cheapest statement there is: its time is the round trip. */
export const ROUND_TRIP = 'SELECT 1';

/** The release as a number (150004 for 15.4) to compare, and as the server words it. */
export const SERVER_VERSION = "SELECT current_setting('server_version_num') AS version_num, current_setting('server_version') AS version";
