from . import crm_lead_lost
from . import sales_discipline_handover
