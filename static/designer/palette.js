// The states browser: Flow, Actions and Patterns, as Workflow Studio groups them
// (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-studio-components.html).
// Each item is a ready fragment ({StartAt, States}) whose ways out are "$next"; it is placed by
// dragging it onto an edge or, by keyboard, by choosing it and then choosing an edge.
import { NEXT } from "./model.js";

const task = (resource, extra = {}) => ({ Type: "Task", Resource: resource, Next: NEXT, ...extra });
const one = (name, state) => ({ StartAt: name, States: { [name]: state } });
const branch = (name, { Next, ...state }) => ({ StartAt: name, States: { [name]: { ...state, End: true } } });

export function catalogue({ region, account }) {
  const fn = (name) => `arn:aws:lambda:${region}:${account}:function:${name}`;
  const flow = [
    ["Pass", one("Pass", { Type: "Pass", Next: NEXT })],
    ["Choice", one("Choice", {
      Type: "Choice",
      Choices: [{ Variable: "$.value", IsPresent: true, Next: NEXT }],
      Default: NEXT,
    })],
    ["Wait", one("Wait", { Type: "Wait", Seconds: 5, Next: NEXT })],
    ["Parallel", one("Parallel", {
      Type: "Parallel",
      Branches: [branch("Branch 1 step", { Type: "Pass" }), branch("Branch 2 step", { Type: "Pass" })],
      Next: NEXT,
    })],
    ["Map (inline)", one("Map", {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, ...branch("Process item", { Type: "Pass" }) },
      Next: NEXT,
    })],
    ["Map (distributed)", one("Distributed Map", {
      Type: "Map",
      ItemReader: { Resource: "arn:aws:states:::s3:getObject", ReaderConfig: { InputType: "JSON" },
                    Parameters: { Bucket: "my-bucket", Key: "items.json" } },
      MaxConcurrency: 10,
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        ...branch("Process item run", { Type: "Pass" }),
      },
      Next: NEXT,
    })],
    ["Succeed", one("Succeed", { Type: "Succeed" })],
    ["Fail", one("Fail", { Type: "Fail", Error: "Failed", Cause: "Explain what failed" })],
  ];
  const actions = [
    ["Lambda function (ARN)", one("Call function", task(fn("echo")))],
    ["Lambda: Invoke", one("Invoke", task("arn:aws:states:::lambda:invoke", {
      Parameters: { FunctionName: fn("echo"), "Payload.$": "$" }, OutputPath: "$.Payload",
    }))],
    ["EventBridge: PutEvents", one("Put events", task("arn:aws:states:::events:putEvents", {
      Parameters: { Entries: [{ EventBusName: "default", Source: "my.app", DetailType: "Happened", "Detail.$": "$" }] },
    }))],
    ["Step Functions: StartExecution", one("Start child", task("arn:aws:states:::states:startExecution.sync:2", {
      Parameters: { StateMachineArn: `arn:aws:states:${region}:${account}:stateMachine:child`, "Input.$": "$" },
    }))],
    ["SQS: SendMessage", one("Send message", task("arn:aws:states:::sqs:sendMessage", {
      Parameters: { QueueUrl: `http://127.0.0.1/${account}/my-queue`, "MessageBody.$": "$" },
    }))],
    ["SNS: Publish", one("Publish", task("arn:aws:states:::sns:publish", {
      Parameters: { TopicArn: `arn:aws:sns:${region}:${account}:my-topic`, "Message.$": "$" },
    }))],
    ["HTTP: Invoke", one("Call API", task("arn:aws:states:::http:invoke", {
      Parameters: { ApiEndpoint: "http://127.0.0.1:8000/", Method: "GET",
                    Authentication: { ConnectionArn: `arn:aws:events:${region}:${account}:connection/api/1` } },
    }))],
    ["S3: GetObject", one("Get object", task("arn:aws:states:::s3:getObject", {
      Parameters: { Bucket: "my-bucket", Key: "key.json" },
    }))],
    ["Activity", one("Activity", task(`arn:aws:states:${region}:${account}:activity:my-activity`, {
      TimeoutSeconds: 300, HeartbeatSeconds: 60,
    }))],
    ["Any resource (typed)", one("Task", task("arn:aws:states:::"))],
  ];
  const patterns = [
    ["Retry with back-off", one("Call with retry", task(fn("echo"), {
      Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2,
                JitterStrategy: "FULL" }],
    }))],
    ["Catch to a failure handler", {
      StartAt: "Guarded call",
      States: {
        "Guarded call": task(fn("echo"), { Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Handle failure" }] }),
        "Handle failure": { Type: "Fail", Error: "Failed", Cause: "The call failed; see $.error" },
      },
    }],
    ["Saga with compensations", {
      StartAt: "Reserve",
      States: {
        Reserve: task(fn("reserve-inventory"), { Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Saga failed" }], Next: "Charge" }),
        Charge: task(fn("process-payment"), { Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Release" }] }),
        Release: { Type: "Task", Resource: fn("release-inventory"), ResultPath: null, Next: "Saga failed" },
        "Saga failed": { Type: "Fail", Error: "SagaFailed", Cause: "Compensated" },
      },
    }],
    ["Parallel fulfilment", one("Fulfil", {
      Type: "Parallel",
      Branches: [branch("Update inventory", task(fn("update-inventory"))),
                 branch("Send confirmation", task(fn("send-email")))],
      ResultPath: "$.fulfilment",
      Next: NEXT,
    })],
    ["Map with MaxConcurrency", one("For each item", {
      Type: "Map", ItemsPath: "$.items", MaxConcurrency: 2,
      ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, ...branch("Handle item", task(fn("echo"))) },
      Next: NEXT,
    })],
    ["Human approval (task token)", one("Wait for approval", task("arn:aws:states:::events:putEvents.waitForTaskToken", {
      Parameters: { Entries: [{ Source: "approvals", DetailType: "ApprovalRequested",
                                Detail: { "TaskToken.$": "$$.Task.Token", "Input.$": "$" } }] },
      TimeoutSeconds: 3600,
    }))],
  ];
  return [["Flow", flow], ["Actions", actions], ["Patterns", patterns]].map(([group, items]) => ({
    group,
    items: items.map(([label, fragment]) => ({ id: `${group}:${label}`, label, fragment })),
  }));
}

// Touch and pen: HTML drag and drop does not start from a finger, so the palette drags with
// pointer events. A ghost follows the finger (a vertical swipe still scrolls the list: the
// items allow pan-y), the insert point under it lights up, and letting go there sends
// "stepbridge:palette-drop" to that insert point, which the canvas takes as a drop.
const DRAG_START = 8;

function touchDrag(down, button, item) {
  if (down.pointerType === "mouse" || !down.isPrimary) return;
  let ghost = null;
  let over = null;
  const overAt = (x, y) => {
    const found = document.elementFromPoint(x, y)?.closest?.(".edge-insert") || null;
    if (found !== over) {
      over?.classList.remove("drop");
      found?.classList.add("drop");
      over = found;
    }
  };
  const move = (event) => {
    if (event.pointerId !== down.pointerId) return;
    if (!ghost) {
      if (Math.abs(event.clientX - down.clientX) + Math.abs(event.clientY - down.clientY) < DRAG_START) return;
      ghost = document.createElement("div");
      ghost.className = "palette-ghost";
      ghost.textContent = item.label;
      ghost.setAttribute("aria-hidden", "true");
      document.body.append(ghost);
      document.querySelector(".canvas")?.classList.add("placing");
    }
    event.preventDefault();
    ghost.style.transform = `translate(${event.clientX + 12}px, ${event.clientY + 12}px)`;
    overAt(event.clientX, event.clientY);
  };
  const end = (event) => {
    if (event.pointerId !== down.pointerId) return;
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", end);
    if (!ghost) return; // a tap: the click that follows chooses the item
    ghost.remove();
    document.querySelector(".canvas")?.classList.remove("placing");
    button.dataset.dragged = "true";
    setTimeout(() => { delete button.dataset.dragged; }, 0);
    if (event.type === "pointerup") overAt(event.clientX, event.clientY);
    const target = over;
    target?.classList.remove("drop");
    if (target && event.type === "pointerup") {
      target.dispatchEvent(new CustomEvent("stepbridge:palette-drop", { bubbles: true, detail: { item: item.id } }));
    }
  };
  window.addEventListener("pointermove", move, { passive: false });
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", end);
}

/** Draw the browser into `root`; `onChoose(item)` when an item is activated (click, Enter, Space). */
export function mountPalette(root, groups, onChoose) {
  const filter = root.querySelector("input[type=search]");
  const list = root.querySelector(".palette-groups");
  const byId = new Map();
  list.replaceChildren(...groups.map(({ group, items }) => {
    const section = document.createElement("section");
    const heading = document.createElement("h3");
    heading.textContent = group;
    const ul = document.createElement("ul");
    ul.setAttribute("aria-label", group);
    for (const item of items) {
      byId.set(item.id, item);
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "palette-item";
      button.textContent = item.label;
      button.dataset.item = item.id;
      button.draggable = true;
      button.setAttribute("aria-label", `Add ${item.label} (${group}): then choose where`);
      button.addEventListener("click", () => { if (!button.dataset.dragged) onChoose(item); });
      button.addEventListener("dragstart", (event) => {
        event.dataTransfer.setData("application/x-stepbridge-item", item.id);
        event.dataTransfer.effectAllowed = "copy";
      });
      button.addEventListener("pointerdown", (event) => touchDrag(event, button, item));
      li.append(button);
      ul.append(li);
    }
    section.append(heading, ul);
    return section;
  }));
  filter?.addEventListener("input", () => {
    const word = filter.value.trim().toLowerCase();
    list.querySelectorAll(".palette-item").forEach((button) => {
      button.parentElement.hidden = word !== "" && !button.textContent.toLowerCase().includes(word);
    });
  });
  return (id) => byId.get(id);
}
