// Package mustache renders Mustache templates the way the DC/OS stack does:
// ServiceSpecs (svc.yml) and config templates are rendered against a task or
// scheduler environment, and every variable that the environment lacks is
// reported, with its position, instead of silently becoming empty.
//
// The supported language is Mustache without partials and lambdas:
// variables ({{x}}, {{{x}}}, {{&x}}), dotted names, sections ({{#x}}),
// inverted sections ({{^x}}), comments ({{!x}}) and delimiter changes
// ({{=<% %>=}}), with the specification's standalone-line rules.
//
// Semantics follow mustache.java, which DC/OS Commons and Cosmos use:
//   - false, nil, "" and empty lists are falsey in sections; every other value,
//     numbers included, is truthy;
//   - a list section renders once per element, any other truthy value renders
//     once with that value pushed onto the context stack;
//   - a variable that cannot be resolved is "missing"; a section whose name
//     cannot be resolved is simply false (it states that the value is optional).
//
// Rendering also produces a SourceMap from output offsets back to template
// offsets, so that errors found in the rendered text (a YAML error, a bad
// field) can be reported at the line and column of the template the user wrote.
package mustache
