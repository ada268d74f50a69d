"""Authorization matrix: the reports (staff only) and the open-data export of the public catalogue (everyone)."""

from tests.access import EVERYONE, STAFF_ONLY

ROUTES = {
    "reports.dashboard": ("GET", "/reports?round={round_id}", STAFF_ONLY),
    "reports.unmet": ("GET", "/reports/unmet", STAFF_ONLY),
    "reports.steering": ("GET", "/reports/steering?round={round_id}", STAFF_ONLY),
    "reports.steering_xlsx": ("GET", "/reports/steering.xlsx?round={round_id}", STAFF_ONLY),
    "reports.open_data_csv": ("GET", "/open-data/technologies.csv", EVERYONE),
    "reports.open_data_json": ("GET", "/open-data/technologies.json", EVERYONE),
}
