from . import sales_discipline_funnel_report
from . import sales_discipline_nps_report
from . import sales_discipline_ranking
from . import sales_discipline_standup
from . import sales_discipline_repeat_report
from . import sales_discipline_stage_funnel
