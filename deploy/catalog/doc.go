// Package catalog is the catalog (Universe) package format and its rendering
// exactly as Cosmos, the DC/OS package manager, does it.
//
// A package is a directory holding package.json (packaging version 4.0),
// config.json (a draft-04 JSON Schema of the install options, with their
// defaults), resource.json (the artifacts the app fetches) and
// marathon.json.mustache (the Marathon app of the service's scheduler).
//
// Rendering follows Cosmos (reference catalog-marathon.md §1.6):
//
//  1. the options are config.json's defaults deep-merged with the user's
//     options (objects merge, anything else is replaced);
//  2. the merged options, unless empty, are validated against config.json;
//     every failure is reported with the JSON path of the option, and
//     nothing is rendered;
//  3. the context is the options deep-merged with {"resource": resource.json}
//     (when the package has one);
//  4. the template is rendered with mustache.java's semantics as Cosmos
//     configures it: no HTML escaping, every string JSON-escaped without its
//     quotes ({{x}} and {{{x}}} alike) except inside arrays, where strings
//     keep them, integral numbers printed as integers, others as Java
//     doubles, lists printed as Java prints them; in sections "", false,
//     null, missing and [] are false, numbers (0 too) are true; and
//     {{#asJson}}name{{/asJson}} inserts the top-level string option name
//     unescaped (null when it is not a string);
//  5. the output must be a JSON object whose labels are strings, and the
//     DCOS_PACKAGE_* labels are set over whatever the template wrote.
//
// Two additions serve the package manager (deploy/cosmos): SetArtifactDir
// fills the build-time variable {{artifact-dir}} in resource.json, as DC/OS
// Commons' package builder does when it publishes a package, and
// Request.ClusterOptions are merged between the defaults and the user's
// options without being recorded in DCOS_PACKAGE_OPTIONS.
//
// Known differences from Cosmos: Java prints a map inside a list in hash
// order (here keys are sorted); DCOS_PACKAGE_OPTIONS and
// DCOS_PACKAGE_DEFINITION hold the same JSON with keys sorted rather than in
// Cosmos's order, and the gzip bytes differ; numbers beyond 10^±10000 are
// taken as doubles; a string inserted by asJson is not rendered again as a
// template, as mustache.java's TemplateFunction would.
package catalog
