"""Districts: drill city → district → street → that street's beneficiaries (masked).

Click a bar or a tile to go one level down; the breadcrumb and Back go up. The drill state
lives in the URL (?district=310101&street=310101002) and is re-checked against the
viewer's scope and the reference data on every run."""

from dataclasses import replace

from components import data, drill, panels
from components.session import current

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
district, street = drill.location(scope, f, lang)
drill.breadcrumb(district, street, lang)
expected = data.headline(scope, f, lang).get("expected_share")

if street:
    panels.headline_cards(
        data.headline(scope, replace(f, districts=(district,), streets=(street,)), lang), view
    )
    drill.street_people(scope, replace(f, districts=(district,)), district, street, view)
elif district:
    here = replace(f, districts=(district,))
    panels.headline_cards(data.headline(scope, here, lang), view)
    by_street = data.coverage(scope, here, "street", lang)
    by_street = by_street[by_street["district_code"] == district]
    title = t("dash_cov_by_street", district=drill.district_name(district, lang))
    panels.coverage_panel(
        by_street,
        by="street",
        key="districts_street_bar",
        view=view,
        title=title,
        expected=expected,
        select=True,
        kind=f"coverage_by_street_{district}",
    )
else:
    panels.headline_cards(data.headline(scope, f, lang), view)
    by_district = data.coverage(scope, f, "district", lang)
    panels.district_panels(by_district, key="districts", view=view, expected=expected)
