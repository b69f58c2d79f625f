// Which fields each state type has, per query language, and how the Inspector edits them.
// From the Amazon States Language spec and the Step Functions guide's state pages
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-states.html, "Transforming data
// with JSONata": Arguments/Output/Assign replace Parameters/ResultSelector/ResultPath/InputPath/OutputPath).
// kind: text | number | json | select | path ("jsonpath" fields exist only in JSONPath, "jsonata" only in JSONata).

const F = (name, kind, extra = {}) => ({ name, kind, ...extra });
const JP = { only: "JSONPath" };
const JA = { only: "JSONata" };
const MORE = { more: true }; // shown under "Input, output and timeouts", after the flow fields

const inputOutput = [F("InputPath", "path", { ...JP, ...MORE }), F("OutputPath", "path", { ...JP, ...MORE })];
const result = [F("ResultSelector", "json", { ...JP, ...MORE }), F("ResultPath", "path", { ...JP, ...MORE })];
const assign = [F("Output", "json", { ...JA, ...MORE }), F("Assign", "json", MORE)];

export const FIELDS = {
  Task: [
    F("Resource", "text", { required: true, help: "an ARN: a Lambda function, arn:aws:states:::service:action, an activity" }),
    F("Parameters", "json", JP), F("Arguments", "json", JA), F("Credentials", "json", MORE),
    ...result, ...inputOutput, ...assign,
    F("TimeoutSeconds", "number", MORE), F("TimeoutSecondsPath", "path", { ...JP, ...MORE }),
    F("HeartbeatSeconds", "number", MORE), F("HeartbeatSecondsPath", "path", { ...JP, ...MORE }),
  ],
  Pass: [F("Result", "json", JP), F("Parameters", "json", JP), F("ResultPath", "path", JP), ...inputOutput, ...assign],
  Choice: [...inputOutput, ...assign],
  Wait: [
    F("Seconds", "number"), F("Timestamp", "text"), F("SecondsPath", "path", JP), F("TimestampPath", "path", JP),
    ...inputOutput, ...assign,
  ],
  Succeed: [...inputOutput, F("Output", "json", JA)],
  Fail: [F("Error", "text"), F("Cause", "text"), F("ErrorPath", "path", JP), F("CausePath", "path", JP)],
  Parallel: [F("Parameters", "json", JP), F("Arguments", "json", JA), ...result, ...inputOutput, ...assign],
  Map: [
    F("ItemsPath", "path", JP), F("Items", "json", JA), F("ItemSelector", "json"),
    F("ItemReader", "json", { help: "e.g. {\"Resource\": \"arn:aws:states:::s3:getObject\", \"ReaderConfig\": {\"InputType\": \"JSON\"}, ...}" }),
    F("ItemBatcher", "json", { help: "{\"MaxItemsPerBatch\": 10, \"BatchInput\": {...}}" }),
    F("ResultWriter", "json", { help: "{\"Resource\": \"arn:aws:states:::s3:putObject\", \"Parameters\": {\"Bucket\": ..., \"Prefix\": ...}}" }),
    F("MaxConcurrency", "number"), F("MaxConcurrencyPath", "path", JP),
    F("ToleratedFailurePercentage", "number"), F("ToleratedFailurePercentagePath", "path", JP),
    F("ToleratedFailureCount", "number"), F("ToleratedFailureCountPath", "path", JP),
    F("Label", "text"), F("Parameters", "json", JP), F("Arguments", "json", JA), ...result, ...inputOutput, ...assign,
  ],
};

export const TYPES = Object.keys(FIELDS);
export const HAS_RETRY = new Set(["Task", "Parallel", "Map"]);
export const HAS_NEXT = new Set(["Task", "Pass", "Wait", "Parallel", "Map"]);

export const RETRY_FIELDS = [
  F("ErrorEquals", "list"), F("IntervalSeconds", "number"), F("MaxAttempts", "number"),
  F("BackoffRate", "number"), F("MaxDelaySeconds", "number"),
  F("JitterStrategy", "select", { options: ["", "FULL", "NONE"] }),
];
export const CATCH_FIELDS = [F("ErrorEquals", "list"), F("ResultPath", "path", JP), F("Output", "json", JA), F("Assign", "json")];

// Choice rule comparison operators (JSONPath); the *Path forms compare with another path's value.
const BASE = ["StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
  "StringMatches", "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
  "NumericGreaterThanEquals", "BooleanEquals", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
  "TimestampLessThanEquals", "TimestampGreaterThanEquals"];
export const OPERATORS = [...BASE, ...BASE.filter((op) => op !== "StringMatches").map((op) => `${op}Path`),
  "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"];

export function operatorValue(op, text) {
  if (op.endsWith("Path")) return text;
  if (op.startsWith("Is") || op === "BooleanEquals") return text === "true";
  if (op.startsWith("Numeric")) return text === "" || Number.isNaN(Number(text)) ? text : Number(text);
  return text;
}

export function queryLanguage(definition, state) {
  return (state && state.QueryLanguage) || (definition && definition.QueryLanguage) || "JSONPath";
}

/** Field names a state of this type may have (for completion in Code). */
export function fieldNames(type) {
  const common = ["Type", "Comment", "QueryLanguage"];
  const flow = HAS_NEXT.has(type) ? ["Next", "End"] : [];
  const extra = { Choice: ["Choices", "Default"], Parallel: ["Branches"], Map: ["ItemProcessor"] }[type] || [];
  const errors = HAS_RETRY.has(type) ? ["Retry", "Catch"] : [];
  return [...common, ...(FIELDS[type] || []).map((f) => f.name), ...flow, ...extra, ...errors];
}
