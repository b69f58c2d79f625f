// Import and export: ASL as JSON or YAML, and state machines from CloudFormation/SAM templates
// (YAML short-form intrinsics such as !Ref, !Sub, !GetAtt read as their long form, per
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html);
// the server picks the machines out (workbench/stepfunctions/designer.py). Export writes a template.
import { YAML } from "./format.js";

const INTRINSICS = ["Ref", "Sub", "GetAtt", "Join", "If", "Select", "Split", "Base64", "FindInMap",
  "ImportValue", "Equals", "Not", "And", "Or", "Condition", "GetAZs", "Cidr"];

const customTags = INTRINSICS.flatMap((fn) => {
  const key = fn === "Ref" || fn === "Condition" ? fn : `Fn::${fn}`;
  return [
    { tag: `!${fn}`, resolve: (v) => ({ [key]: fn === "GetAtt" ? v.split(".") : v }) },
    { tag: `!${fn}`, collection: "seq", resolve: (seq) => ({ [key]: seq.toJSON() }) },
    { tag: `!${fn}`, collection: "map", resolve: (map) => ({ [key]: map.toJSON() }) },
  ];
});

/** What a pasted or opened text is: {kind: "asl"|"template", format, value} or {error}. */
export function readImport(text) {
  const trimmed = text.trim();
  if (!trimmed) return { error: "Nothing to import: paste a definition or a template, or choose a file" };
  let value;
  let format = "json";
  try {
    value = JSON.parse(trimmed);
  } catch (jsonError) {
    format = "yaml";
    try {
      const doc = YAML.parseDocument(trimmed, { customTags });
      if (doc.errors.length) throw doc.errors[0];
      value = doc.toJS();
    } catch (error) {
      return { error: `Neither JSON (${jsonError.message}) nor YAML (${String(error.message).split("\n")[0]})` };
    }
  }
  if (value && typeof value === "object" && value.Resources) return { kind: "template", format, value };
  if (value && typeof value === "object" && value.States) return { kind: "asl", format, value };
  return { error: "This is neither an Amazon States Language definition (no States) nor a template (no Resources)" };
}

function logicalId(name) {
  const id = String(name || "StateMachine").replace(/[^A-Za-z0-9]/g, "");
  return /^[A-Za-z]/.test(id) ? id : `StateMachine${id}`;
}

/** One machine as a CloudFormation template (Definition + DefinitionSubstitutions kept apart). */
export function template(definition, config) {
  const properties = {
    StateMachineName: config.name || undefined,
    StateMachineType: config.type,
    RoleArn: config.roleArn || undefined,
    Definition: definition,
  };
  if (config.substitutions && Object.keys(config.substitutions).length) properties.DefinitionSubstitutions = config.substitutions;
  if (config.loggingLevel && config.loggingLevel !== "OFF") {
    properties.LoggingConfiguration = { Level: config.loggingLevel, IncludeExecutionData: Boolean(config.includeExecutionData) };
  }
  if (config.tracingEnabled) properties.TracingConfiguration = { Enabled: true };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Resources: { [logicalId(config.name)]: { Type: "AWS::StepFunctions::StateMachine", Properties: JSON.parse(JSON.stringify(properties)) } },
  };
}

/** Offer `text` as a file download. */
export function download(filename, text, type = "application/json") {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
