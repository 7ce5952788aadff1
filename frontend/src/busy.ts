/**
 * One operation at a time on a page's data (the admin console, the invite panel): `busy` while it runs, its
 * error kept for the view to show, the view told before and after.
 */
import { describeError } from "./api";
import type { Msg } from "./i18n/translate";

export interface Busy {
  busy: boolean;
  error: Msg | null;
}

/** Run `work` with `state` busy; true if it finished, false if it failed (its error is then in `state.error`). */
export async function runBusy(state: Busy, changed: () => void, work: () => Promise<void>): Promise<boolean> {
  state.busy = true;
  state.error = null;
  changed();
  try {
    await work();
    return true;
  } catch (err) {
    state.error = describeError(err);
    return false;
  } finally {
    state.busy = false;
    changed();
  }
}
