"""The shipped pipelines' stages carry the seeds' guidance from 18.0.1.2.0 (issue 17).

Their records are noupdate data: an upgrade does not load the new goal and call script. A shipped stage whose goal
is still empty receives them from data/crm_team_data.xml, the one place they are written; a stage the administrator
has already given a goal keeps theirs.
"""

from pathlib import Path

from lxml import etree

from odoo import SUPERUSER_ID, api

DATA_FILE = Path(__file__).parents[2] / "data" / "crm_team_data.xml"


def _shipped_guidance():
    """{xmlid: {field: value}} of the stages in the data file, the call script as its HTML."""
    guidance = {}
    for record in etree.parse(str(DATA_FILE)).iterfind(".//record[@model='crm.stage']"):
        values = {}
        for node in record.iterfind("field"):
            if node.get("name") == "goal":
                values["goal"] = node.text or ""
            elif node.get("name") == "call_script":
                values["call_script"] = (node.text or "") + "".join(
                    etree.tostring(child, encoding="unicode") for child in node
                )
        if values:
            guidance[f"sales_discipline.{record.get('id')}"] = values
    return guidance


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, values in _shipped_guidance().items():
        stage = env.ref(xmlid, raise_if_not_found=False)
        if stage and not stage.goal and not stage.call_script:
            stage.write(values)
