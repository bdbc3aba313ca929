import { onWillStart } from "@odoo/owl";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";
import { PivotRenderer } from "@web/views/pivot/pivot_renderer";

// The server refuses the pivot "Download xlsx" to whoever the export policy keeps from exporting (SE-1), and
// Odoo's export group follows that policy: offer the button only to its members, as Odoo's list view does for
// its "Export" button.
patch(PivotRenderer.prototype, {
    setup() {
        super.setup(...arguments);
        this.disciplineCanExport = false;
        onWillStart(async () => {
            this.disciplineCanExport = await user.hasGroup("base.group_allow_export");
        });
    },
});
