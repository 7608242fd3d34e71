"""A report and a second site's copy of it (its own title, one sentence more): one story
to the stories view. Written for the tests that check grouping end to end, in the
installed wheel and in the Docker stack."""

from __future__ import annotations

TITLE = "Vietnam and Laos sign deal on a railway to the coast"
COPY_TITLE = "Vietnam, Laos agree to study railway from Vientiane to the sea"
BODY = (
    "VIENTIANE - Transport ministers of Vietnam and Laos met in Vientiane on Tuesday and "
    "signed an agreement to study a railway linking the Lao capital with a deep-water port "
    "on the Vietnamese coast. The two ministers reviewed progress on road links across the "
    "border, discussed customs procedures at the main crossings and asked their experts to "
    "finish the feasibility report before the end of next year. Officials said the line "
    "would cut the cost of moving Lao potash and farm goods to the sea and would carry "
    "passengers as well as freight once it is built."
)
#: The files a folder source reads: the title on the first line, then the text.
REPORT = f"{TITLE}\n\n{BODY}\n"
COPY = f"{COPY_TITLE}\n\n{BODY} Work could start within five years.\n"
