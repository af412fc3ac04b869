/* chartyard UI: one small ES module per behaviour, loaded natively (no build step). */

import { initAutosubmit } from "./autosubmit.js";
import { initConfirm } from "./confirm.js";
import { initCopy } from "./copy.js";
import { localTimes } from "./dom.js";
import { initDrawers } from "./drawer.js";
import { initRegistryForm } from "./registry_form.js";
import { initRegistryList } from "./registry_list.js";
import { initProfileEditor } from "./values_editor.js";
import { initProfileWizard } from "./wizard.js";

// Module scripts run after the document is parsed.
localTimes();
initCopy();
initDrawers();
initConfirm();
initRegistryList();
initRegistryForm();
initAutosubmit();
initProfileWizard();
initProfileEditor();
