"""Every bound on untrusted input, in one place.

Feeds, group files and API requests come from strangers; each kind of work they can cause has a
ceiling here, chosen from what real inputs need (a busy real group lists ~100 events in the
90-day window; the longest real Meetup description is a few thousand characters) with a wide
margin. What a limit cuts is counted and reported, never silently lost.
"""

from __future__ import annotations

from datetime import date

# --- feeds (collector) ---
MAX_RDATES_PER_FEED = 5_000  # dates in RDATE lists, all together (collector/rdates.py)
MAX_OCCURRENCES_PER_SERIES = 500  # a daily series over the 90-day window has 91
MAX_EVENTS_PER_FEED = 2_000  # 20x the busiest real group
MAX_VEVENTS_IN_SOURCE = 20_000  # ten years of weekly events is 520; parsing 20,000 takes ~2 s
PARSE_CPU_SECONDS = 10.0  # one feed's parse and expansion; real feeds take well under 0.5 s
PARSE_WALL_SECONDS = 30.0  # the same, by the clock: a parse that cannot get the CPU still ends
PARSE_MEMORY_MB = 256  # what the parse worker may add to its size at fork; the Lambda has 512 MB
PARSE_WORKER_GROWTH_MB = 64  # a worker grown this much since its fork is replaced (~1 ms)
# What one collect may spend parsing, all feeds together, by the clock: the 145 real groups take
# ~5 s; 30 feeds at their PARSE_CPU_SECONDS fit; the collector Lambda stops at 15 minutes
RUN_PARSE_SECONDS = 300.0
MAX_TITLE_CHARS = 300
MAX_LOCATION_CHARS = 500
MAX_DESCRIPTION_CHARS = 20_000
MAX_FIELD_CHARS = 2_000  # any other text property (URL, UID, cost)
# another site's whole calendar, read once for `dctech parity` (collector/probe.py): no area
# rule, and bounds for the live site's every event rather than one group's (its 145 groups list
# at most ~3,500 in the 90-day window: docs/scaling.md, "The real catalogue"; parsing 5,000
# takes ~2.5 s and ~30 MB)
MAX_PARITY_BYTES = 64 * 1024 * 1024  # 20,000 events in the old site's shape are ~9 MB
MAX_PARITY_EVENTS = 20_000  # in the window: ~6x the heaviest estimate of the live site's
MAX_PARITY_VEVENTS = 50_000  # in the source, past and future ones included
PARITY_PARSE_CPU_SECONDS = 60.0  # 50,000 VEVENTs take ~25 s
PARITY_PARSE_MEMORY_MB = 1_024
MAX_CROSS_POST_CANDIDATES = 20  # events one event is compared with for a cross-post (same start
# and first word); real catalogues have a handful, so past this only exact ids merge

# --- configuration files (core.config) ---
MAX_CONFIG_BYTES = 64 * 1024  # a group file is ~300 bytes
MAX_CONFIG_TEXT_CHARS = 500  # name, tagline, submitted_by ...
MAX_CONFIG_URL_CHARS = 2_000
MAX_CONFIG_LIST_ITEMS = 1_000  # suppress_urls, only_states ...
MIN_SKIP_PHRASE_CHARS = 3  # a shorter skip_phrases item would drop half of a feed by accident
MAX_CONFIG_DEPTH = 10  # a group file nests 2 levels; PyYAML recurses, and ~300 crash it
QUOTE_CHARS = 60  # an error message quotes at most this much of an offending value

# --- API requests ---
EARLIEST_DATE = date(2000, 1, 1)  # start_date/end_date outside this range are a 400
LATEST_DATE = date(2099, 12, 31)

# --- submissions and sign-in (api/) ---
MAX_SUBMISSION_BYTES = 16 * 1024  # a filled-in form is well under 2 KB
SUBMISSIONS_PER_USER_PER_DAY = 10  # a busy organiser adds a few events a week
SUBMISSIONS_PER_IP_PER_HOUR = 20  # a room of people sharing one address at a meetup
# Every POST, valid or not, counts here: fixing a form's mistakes is free under the two limits
# above (only a submission that passes validation counts there), but not without end.
SUBMISSION_ATTEMPTS_PER_IP_PER_HOUR = 3 * SUBMISSIONS_PER_IP_PER_HOUR
SIGN_INS_PER_IP_PER_HOUR = 30
SIGN_IN_SECONDS = 600  # a sign-in's state is good for ten minutes, once
SESSION_SECONDS = 8 * 3600  # then sign in again
