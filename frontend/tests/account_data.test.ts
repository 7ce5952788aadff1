/** The change-password form's rules and error messages (account_data.ts). Pure: no client, no server. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api";
import { passwordChangeErrors, validatePasswordChange } from "../src/account_data";
import { I18n } from "../src/i18n";

const t = new I18n("en");

describe("change-password form rules", () => {
  it("validates before sending", () => {
    const local = validatePasswordChange("", "short");
    expect(local.current && t.text(local.current)).toBe("Enter your current password.");
    expect(local.next && t.text(local.next)).toBe("The new password needs at least 8 characters.");
    const long = validatePasswordChange("x", "y".repeat(257)).next;
    expect(long && t.text(long)).toMatch(/at most 256/);
    expect(validatePasswordChange("x", "long-enough")).toEqual({});
  });

  it("maps 403 invalid_credentials to the current field and 400 validation_failed to field errors", () => {
    const wrong = passwordChangeErrors(new ApiError(403, "invalid_credentials", "The current password is wrong."));
    expect(wrong.form && t.text(wrong.form)).toBe("Your current password is wrong.");
    expect(wrong.current).toBeTruthy();
    expect(wrong.next).toBeUndefined();
    const invalid = passwordChangeErrors(
      new ApiError(400, "validation_failed", "bad", { new_password: ["Length must be between 8 and 256."] }),
    );
    expect(invalid.form && t.text(invalid.form)).toBe("Please fix the highlighted fields.");
    expect(invalid.next && t.text(invalid.next)).toBe("Use 8–256 characters.");
    expect(invalid.current).toBeUndefined();
    const crash = passwordChangeErrors(new ApiError(500, "internal_error", "x")).form;
    expect(crash && t.text(crash)).toBe("The server hit an error. Try again.");
  });
});
