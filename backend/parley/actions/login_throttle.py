"""Who may try a password now: the login throttle's policy (docs/protocol.md "Login throttle").

- Per account: consecutive wrong passwords for one username (login and password change alike) are counted
  wherever they come from. After `login_free_failures` (5) each further attempt waits 1 s, then 2 s, 4 s, ...
  after the previous failure, up to `login_backoff_max_s` (15 min). A success clears the count; a day without
  failures forgets it; a new password (the owner's change, or an admin's `parley reset-password`) starts a new
  count, so an admin can let a locked-out user back in. Names that do not exist are counted the same way, so
  the throttle tells no one which names exist.
- Per known device: an attempt carrying a device token (actions/devices.py) for the very account it tries is
  counted under that device instead, with the same numbers, and spends nothing from its address. Guessing
  from elsewhere cannot lock the owner out of a browser that has logged in before.
- Per client address: only failures spend it, `login_address_failures` (20) at once, one regained every 3 s.
  An office logging in, or making a typo every few seconds, never runs out; one address spraying many accounts
  does. IPv6 addresses count per /64 (one customer's whole network).
- Registrations per client address: `registrations_per_hour` (50), spent by every attempt, so one address
  cannot mint accounts without limit while an office can all join at once.

Counts live in Redis when REDIS_URL is set (every process shares them), else in this process
(live/login_counters.py). A refusal is 429 `rate_limited` with `retry_after_ms`, and is decided before the
password is hashed: a refused guess costs no argon2 time.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from parley import errors
from parley.actions.devices import Device
from parley.clock import Clock
from parley.live.login_counters import Backoff, Budget, ThrottleState
from parley.models import Account
from parley.settings import Settings
from parley.store.base import username_key

# The first wait after the free failures; it doubles per failure. A person retyping notices no wait this short.
BACKOFF_BASE_MS = 1_000
# A day without failures forgets an account's (or device's) count: yesterday's typos do not carry over.
FAILURE_MEMORY_MS = 24 * 3600 * 1000
# One failure regained every 3 s per address (20 a minute): twice the pace of one typo every 6 s.
ADDRESS_REFILL_MS = 3_000
HOUR_MS = 3600 * 1000


def address_key(client: str) -> str:
    """Where a client is, for counting: the IPv4 address, or the /64 network of an IPv6 address."""
    try:
        ip = ipaddress.ip_address(client)
    except ValueError:
        return client[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _digest(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def rate_limited(wait_ms: int) -> errors.ApiError:
    return errors.ApiError(
        429, "rate_limited", f"Too many attempts; try again in {wait_ms // 1000 + 1} s.", retry_after_ms=wait_ms
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """An admitted password attempt: what to clear or give back if it succeeds."""

    backoff_key: str
    # None for a known device, which spends nothing from its address.
    address_key: str | None


class LoginThrottle:
    def __init__(self, state: ThrottleState, settings: Settings, clock: Clock) -> None:
        self._state = state
        self._clock = clock
        self._backoff = Backoff(
            free=settings.login_free_failures,
            base_ms=BACKOFF_BASE_MS,
            max_ms=settings.login_backoff_max_s * 1000,
            memory_ms=FAILURE_MEMORY_MS,
        )
        self._failures = Budget(burst=settings.login_address_failures, interval_ms=ADDRESS_REFILL_MS)
        self._registrations = Budget(
            burst=settings.registrations_per_hour, interval_ms=max(1, HOUR_MS // settings.registrations_per_hour)
        )

    async def admit(self, client: str, username: str, device: Device | None, account: Account | None) -> Attempt:
        """Let one password attempt for `username` (`account`, None if unknown) go ahead, or raise 429.

        The attempt is counted as a failure from here on; `succeeded` takes that back.
        """
        now_ms = self._clock.now_ms()
        if device is not None and account is not None and device.user_id == account.id:
            attempt = Attempt(f"device:{account.id}:{device.nonce}", None)
        else:
            # Keyed by the password too (a digest of its hash, which a new salt makes new): a reset password
            # is not still locked by the guesses made against the old one.
            credential = "" if account is None else ":" + _digest(account.password_hash)
            attempt = Attempt(f"account:{username_key(username)}{credential}", f"address:{address_key(client)}")
        if attempt.address_key is not None:
            wait_ms = await self._state.take(attempt.address_key, self._failures, now_ms)
            if wait_ms:
                raise rate_limited(wait_ms)
        wait_ms = await self._state.begin(attempt.backoff_key, self._backoff, now_ms)
        if wait_ms:
            if attempt.address_key is not None:
                await self._state.give_back(attempt.address_key, self._failures, now_ms)
            raise rate_limited(wait_ms)
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        await self._state.clear(attempt.backoff_key)
        if attempt.address_key is not None:
            await self._state.give_back(attempt.address_key, self._failures, self._clock.now_ms())

    async def admit_registration(self, client: str) -> None:
        wait_ms = await self._state.take(f"register:{address_key(client)}", self._registrations, self._clock.now_ms())
        if wait_ms:
            raise rate_limited(wait_ms)
