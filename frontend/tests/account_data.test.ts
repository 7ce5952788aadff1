/** The change-password form's rules and error texts (account_data.ts). Pure: no client, no server. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api";
import { passwordChangeErrors, validatePasswordChange } from "../src/account_data";

describe("change-password form rules", () => {
  it("validates before sending", () => {
    expect(validatePasswordChange("", "short")).toEqual({
      current: "Enter your current password.",
      next: "The new password needs at least 8 characters.",
    });
    expect(validatePasswordChange("x", "y".repeat(257)).next).toMatch(/at most 256/);
    expect(validatePasswordChange("x", "long-enough")).toEqual({});
  });

  it("maps 403 invalid_credentials to the current field and 400 validation_failed to field errors", () => {
    const wrong = passwordChangeErrors(new ApiError(403, "invalid_credentials", "The current password is wrong."));
    expect(wrong.form).toBe("Your current password is wrong.");
    expect(wrong.current).toBeTruthy();
    expect(wrong.next).toBeUndefined();
    const invalid = passwordChangeErrors(
      new ApiError(400, "validation_failed", "bad", { new_password: ["Length must be between 8 and 256."] }),
    );
    expect(invalid).toEqual({ form: "Please fix the highlighted fields.", next: "Length must be between 8 and 256." });
    expect(passwordChangeErrors(new ApiError(500, "internal_error", "x")).form).toBe("The server hit an error. Try again.");
  });
});
