/**
 * Keeps the app exactly as tall as what the user can see, so the composer stays above an on-screen keyboard.
 *
 * CSS alone covers most browsers: `100dvh`, and `interactive-widget=resizes-content` in the viewport meta makes
 * Chrome on Android shrink the layout when the keyboard opens. Safari on iOS does not shrink it: only the visual
 * viewport gets smaller. So while the visual viewport is unzoomed, its height is written to `--app-height`,
 * which styles.css prefers over 100dvh. A pinch-zoom (scale ≠ 1) is not a keyboard: the variable is dropped.
 */
import { useEffect } from "preact/hooks";

export function useAppHeight(): void {
  useEffect(() => {
    const vv = window.visualViewport;
    if (!vv) return;
    const root = document.documentElement;
    const update = () => {
      if (Math.abs(vv.scale - 1) < 0.01) root.style.setProperty("--app-height", `${Math.round(vv.height)}px`);
      else root.style.removeProperty("--app-height");
    };
    update();
    vv.addEventListener("resize", update);
    return () => {
      vv.removeEventListener("resize", update);
      root.style.removeProperty("--app-height");
    };
  }, []);
}
