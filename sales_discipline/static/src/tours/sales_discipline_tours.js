import { browser } from "@web/core/browser/browser";
import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";

// Each role's main flow, run by tests/test_tours.py on the data it creates. The texts the person reads are
// asserted in the language of the tour; stage, client and deal names are test data and do not change with it.

const tours = registry.category("web_tour.tours");

const TEXTS = {
    en: {
        date: "01/15/2030",
        nextStepRefusal: "Plan the next step (type, goal and date)",
        noBudget: "No budget",
        exportRefusal:
            "Exporting data is not allowed for your role. Ask the head of sales for the figures you need.",
        handedOver: "1 deals, 1 clients and 0 planned steps handed over.",
        pivotExport: "Pivot XLSX export",
        contestPlace: "Deals of the month: 1 of 3",
        rank: "Rank",
        turnover: "Turnover",
        approved: "Approved",
        split: "Split",
        conversion: "Conversion (%)",
        recomputed: "ABC-XYZ recomputed: 1 client cards changed.",
        downloadWorkbook: "Download Workbook (XLSX)",
    },
    ru: {
        date: "15.01.2030",
        nextStepRefusal: "запланируйте следующий шаг (вид, цель и дату)",
        noBudget: "Нет бюджета",
        exportRefusal:
            "Вашей роли выгрузка данных запрещена. Нужные цифры запросите у руководителя отдела продаж.",
        handedOver: "Передано: сделок — 1, клиентов — 1, запланированных шагов — 0.",
        pivotExport: "Выгрузка сводной таблицы в XLSX",
        contestPlace: "Deals of the month: 1 из 3",
        rank: "Место",
        turnover: "Сумма оборота",
        approved: "Утверждён",
        split: "Распределить",
        conversion: "Конверсия (%)",
        recomputed: "ABC-XYZ пересчитан: изменено карточек клиентов: 1.",
        downloadWorkbook: "Выгрузить книгу (XLSX)",
    },
};

function pickMany2one(field, search, label = search) {
    return [
        {
            content: `search ${search} in ${field}`,
            trigger: `.o_field_widget[name=${field}] input`,
            run: `edit ${search}`,
        },
        {
            content: `choose ${label}`,
            trigger: `.o-autocomplete--dropdown-item a:contains("${label}")`,
            run: "click",
        },
    ];
}

function salespersonSteps(t) {
    return [
        // a new client company
        {
            trigger: ".o_field_widget[name=company_type] input[data-value=company]",
            run: "click",
        },
        {
            // a plain text box, or partner_autocomplete's search box when that module is installed
            trigger: ".o_field_widget[name=name] input, .o_field_widget[name=name] textarea",
            run: "edit Lotus Trading LLC",
        },
        {
            trigger: ".o_field_widget[name=client_type] select",
            run: 'select "end_customer"',
        },
        {
            trigger: ".o_field_widget[name=street] input",
            run: "edit Arbat 10",
        },
        {
            trigger: ".o_field_widget[name=phone] input",
            run: "edit +7 495 765-43-21",
        },
        {
            trigger: ".o_field_widget[name=email] input",
            run: "edit info@lotus.example",
        },
        ...pickMany2one("acquisition_source_id", "Exhibition"),
        {
            trigger: ".o_notebook_headers a[name=sales_purchases]",
            run: "click",
        },
        ...pickMany2one("industry_id", "Wholesale"),
        ...pickMany2one("user_id", "Sasha"),
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        // a deal for it: saving it without a next step is refused with the reason
        {
            trigger: "body",
            run: "goToUrl /odoo/crm/new",
        },
        {
            trigger: ".o_field_widget[name=name] textarea",
            run: "edit Lotus pumps",
        },
        ...pickMany2one("partner_id", "Lotus", "Lotus Trading LLC"),
        {
            trigger: ".o_field_widget[name=expected_revenue] input",
            run: "edit 12000",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "the salesperson reads why the deal is not saved",
            trigger: `.modal .modal-body:contains("${t.nextStepRefusal}")`,
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        // plan the next step, and save
        ...pickMany2one("next_step_type_id", "Call"),
        {
            trigger: ".o_field_widget[name=next_step_goal] input",
            run: "edit Sell the meeting",
        },
        {
            trigger: ".o_field_widget[name=next_step_deadline] input",
            run: `edit ${t.date} && press Enter`,
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        // move the deal on
        {
            trigger: ".o_statusbar_status button:contains(Meeting)",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Meeting)",
        },
        {
            trigger: ".o_form_saved",
        },
        // lose another deal with a reason
        {
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains(Vasilek valves)",
            run: "click",
        },
        {
            trigger: ".o_statusbar_buttons button[data-hotkey=l]",
            run: "click",
        },
        ...pickMany2one("lost_reason_id", t.noBudget.slice(0, 6), t.noBudget),
        {
            trigger: ".modal button[name=action_lost_reason_apply]",
            run: "click",
        },
        {
            trigger: ".o_form_view .ribbon",
        },
        // back to the new deal: fill in the needs questionnaire with the client
        {
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains(Lotus pumps)",
            run: "click",
        },
        {
            content: "the questionnaire opens in a new tab: open it in this one, the test browser has one tab",
            trigger: "button[name=action_fill_needs_questionnaire]",
            run(helpers) {
                browser.open = (url) => {
                    browser.location.assign(url);
                    return { closed: false };
                };
                return helpers.click();
            },
        },
        {
            trigger: ".o_survey_start button[value=start]",
            run: "click",
        },
        {
            trigger: ".js_question-wrapper:eq(0) textarea",
            run: "edit Wholesale of pumps in Moscow",
        },
        {
            trigger: ".js_question-wrapper:eq(1) textarea",
            run: "edit A reliable supply of spare parts",
        },
        {
            trigger: ".js_question-wrapper:eq(4) textarea",
            run: "edit The director decides after a tender",
        },
        {
            trigger: ".js_question-wrapper:eq(5) label:eq(0)",
            run: "click",
        },
        {
            trigger: "button[value=finish]",
            run: "click",
        },
        {
            trigger: ".o_survey_finished",
        },
        // the team's ranking: names and scores, colleagues included
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_ranking_action",
        },
        {
            trigger: ".o_group_header:contains(Discipline Test Team)",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains(Kolya Colleague)",
        },
        {
            trigger: ".o_data_row:contains(Sasha Salesperson)",
        },
    ];
}

tours.add("sales_discipline_salesperson_en", { steps: () => salespersonSteps(TEXTS.en) });
tours.add("sales_discipline_salesperson_ru", { steps: () => salespersonSteps(TEXTS.ru) });

function refusedPivotDownload(t) {
    // The button is not offered; a page opened before the right was taken away still meets the server's refusal,
    // which the person reads in Odoo's warning dialog.
    return [
        {
            trigger: ".o_pivot_buttons:has(.o_pivot_flip_button):not(:has(.o_pivot_download))",
        },
        {
            content: "ask the server for the download anyway",
            trigger: ".o_pivot_buttons",
            run() {
                const table = { title: "Funnel", model: "sales.discipline.funnel.report", rows: [] };
                download({ url: "/web/pivot/export_xlsx", data: { data: JSON.stringify(table) } });
            },
        },
        {
            content: "the reason, not Odoo's generic \"Oops! Something went wrong\"",
            trigger: `.modal:not(:contains(Oops)):contains("${t.exportRefusal}")`,
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ];
}

function teamLeadSteps(t) {
    return [
        // the pipeline of the team they lead, both salespeople's deals
        {
            trigger: ".o_kanban_record:contains(Sasha's pumps)",
        },
        {
            trigger: ".o_kanban_record:contains(Kolya's valves)",
        },
        // the teams dashboard counts the deal without a next step
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_team.crm_team_action_pipeline",
        },
        {
            trigger:
                ".o_kanban_record:contains(Discipline Test Team) a[name=action_discipline_no_next_step]:contains(1)",
            run: "click",
        },
        {
            content: "the deal without a next step (grouped by salesperson or not)",
            trigger: `.o_data_row:contains("Kolya's valves"), .o_group_header:contains("Kolya Colleague (1)")`,
        },
        // the funnel report against the weekly norms: no download offered, a refusal that says why
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_funnel_report_action",
        },
        ...refusedPivotDownload(t),
        // the discipline dashboard: the team's cards, ranks and the running contest
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_scorecard_action_dashboard",
        },
        {
            trigger: `.o_kanban_record:contains(Sasha Salesperson):contains("${t.rank}"):contains("${t.contestPlace}")`,
        },
        {
            trigger: ".o_kanban_record:contains(Kolya Colleague)",
        },
        // the morning stand-up of the team
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_standup_action",
        },
        {
            trigger: ".o_group_header:contains(Discipline Test Team)",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains(Kolya Colleague)",
        },
        // the contest and its standings
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_contest_action",
        },
        {
            trigger: ".o_data_row:contains(Deals of the month) td[name=name]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=standing_ids] .o_data_row:contains(Sasha Salesperson)",
        },
    ];
}

tours.add("sales_discipline_team_lead_en", { steps: () => teamLeadSteps(TEXTS.en) });
tours.add("sales_discipline_team_lead_ru", { steps: () => teamLeadSteps(TEXTS.ru) });

function headSteps(t) {
    return [
        // hand over the deals of a leaving salesperson
        ...pickMany2one("from_user_id", "Kolya", "Kolya Colleague"),
        ...pickMany2one("to_user_ids", "Sasha", "Sasha Salesperson"),
        {
            trigger: ".modal button[name=action_hand_over]",
            run: "click",
        },
        {
            trigger: `.o_notification:contains("${t.handedOver}")`,
        },
        // read the export audit
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_export_log_action",
        },
        {
            trigger: `.o_data_row:contains(Sasha Salesperson):contains("${t.pivotExport}")`,
        },
        // the head may export: the pivot offers the download
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.sales_discipline_funnel_report_action",
        },
        {
            trigger: ".o_pivot_buttons .o_pivot_download",
        },
    ];
}

tours.add("sales_discipline_head_en", { steps: () => headSteps(TEXTS.en) });
tours.add("sales_discipline_head_ru", { steps: () => headSteps(TEXTS.ru) });

function planSteps(t) {
    // PL-3, PL-5: the head gives the team's month the manager's KPIs and a turnover target, submits and approves it,
    // and splits it evenly between the team's salespeople
    return [
        {
            trigger: ".o_data_row:contains(Discipline Test Team) td[name=name]",
            run: "click",
        },
        {
            trigger: "button[name=action_add_manager_kpis]",
            run: "click",
        },
        {
            trigger: `.o_field_widget[name=line_ids] .o_data_row:contains("${t.turnover}") td[name=target]`,
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_selected_row td[name=target] input",
            run: "edit 300000",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: "button[name=action_submit]",
            run: "click",
        },
        {
            trigger: "button[name=action_approve]",
            run: "click",
        },
        {
            trigger: `.o_statusbar_status .o_arrow_button_current:contains("${t.approved}")`,
        },
        {
            trigger: `.o_form_statusbar .o_statusbar_buttons button:contains("${t.split}")`,
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=direction] input[data-value=scope]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Kolya Colleague)",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "the children of the plan, one per salesperson",
            trigger: ".o_list_view .o_data_row:contains(Sasha Salesperson)",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Kolya Colleague)",
        },
    ];
}

tours.add("sales_discipline_plans_en", { steps: () => planSteps(TEXTS.en) });
tours.add("sales_discipline_plans_ru", { steps: () => planSteps(TEXTS.ru) });

function earningsSteps(t) {
    // PL-8: the salesperson's share of the turnover, on the one screen of what they earn
    return [
        {
            trigger: `.o_data_row:contains("${t.turnover}") td[name=target]:contains(150)`,
        },
    ];
}

tours.add("sales_discipline_earnings_en", { steps: () => earningsSteps(TEXTS.en) });
tours.add("sales_discipline_earnings_ru", { steps: () => earningsSteps(TEXTS.ru) });

// AN-6, AN-2: the head reads a standard report on its saved grouping, then the clients' ABC-XYZ matrix, and
// recomputes it on demand.
function analyticsSteps(t) {
    return [
        {
            trigger: `.o_pivot th:contains("${t.conversion}")`,
        },
        {
            trigger: ".o_pivot th:contains(Sasha Salesperson)",
        },
        {
            trigger: "body",
            run: "goToUrl /odoo/action-sales_discipline.res_partner_action_abc_xyz",
        },
        {
            content: "the matrix is open (not the report before it, which has a list too)",
            trigger: ".o_breadcrumb:contains(ABC-XYZ)",
        },
        {
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            trigger: ".o_list_view button[name=action_discipline_recompute_abc_xyz]",
            run: "click",
        },
        {
            trigger: `.o_notification:contains("${t.recomputed}")`,
        },
        {
            trigger: ".o_data_row:contains(Vasilek LLC)",
        },
        // the streamed workbook of the list: fetched here instead of leaving the page, its answer kept on the page
        {
            trigger: ".o_list_view",
            run() {
                const original = Object.getOwnPropertyDescriptor(browser, "location");
                const realLocation = window.location;
                const fake = { assign: fetchDownload, toString: () => realLocation.href };
                for (const key of ["href", "origin", "pathname", "search", "hash", "host", "protocol"]) {
                    Object.defineProperty(fake, key, { get: () => realLocation[key] });
                }
                async function fetchDownload(url) {
                    Object.defineProperty(browser, "location", original);
                    const response = await fetch(url);
                    const marker = document.createElement("div");
                    marker.className = "o_sd_download d-none";
                    marker.dataset.status = String(response.status);
                    marker.dataset.type = response.headers.get("Content-Type");
                    document.body.appendChild(marker);
                }
                Object.defineProperty(browser, "location", { configurable: true, get: () => fake });
            },
        },
        {
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            trigger: `.o-dropdown-item:contains("${t.downloadWorkbook}")`,
            run: "click",
        },
        {
            trigger: ".o_sd_download[data-status='200'][data-type*=spreadsheetml]:not(:visible)",
        },
    ];
}

tours.add("sales_discipline_analytics_en", { steps: () => analyticsSteps(TEXTS.en) });
tours.add("sales_discipline_analytics_ru", { steps: () => analyticsSteps(TEXTS.ru) });
