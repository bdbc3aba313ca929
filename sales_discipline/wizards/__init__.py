from . import crm_lead_lost
from . import crm_lead_to_opportunity
from . import sales_discipline_handover
from . import mail_activity_schedule
from . import sales_discipline_plan_replan
from . import sales_discipline_plan_split
from . import sales_discipline_xlsx_export
