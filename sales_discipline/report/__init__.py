from . import sales_discipline_funnel_report
