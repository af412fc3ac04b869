// Validate Argo CD documents (a JSON list on stdin) against Argo CD's own CRD schemas,
// as compiled by @kubernetes-models/argo-cd. Prints one entry per document: null when
// valid, the errors otherwise; a kind this script does not know is an error too.
import { readFileSync } from "node:fs";
import * as argo from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";

const docs = JSON.parse(readFileSync(0, "utf8"));
const verdicts = docs.map((doc) => {
  const Model = doc.apiVersion === "argoproj.io/v1alpha1" ? argo[doc.kind] : undefined;
  if (typeof Model !== "function") {
    return `no Argo CD schema for ${doc.apiVersion} ${doc.kind}`;
  }
  try {
    new Model(doc).validate();
    return null;
  } catch (err) {
    return String(err?.message ?? err);
  }
});
process.stdout.write(JSON.stringify(verdicts));
