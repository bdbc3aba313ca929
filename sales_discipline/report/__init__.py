from . import sales_discipline_funnel_report
from . import sales_discipline_nps_report
