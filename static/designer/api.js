// Calls to the workbench: JSON in, JSON out, Django's CSRF token sent, AWS's error shape kept.
const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";

export class ApiError extends Error {
  constructor(body, status) {
    super(body.message || body.Message || `HTTP ${status}`);
    this.code = body.__type || "Error";
    this.body = body;
    this.status = status;
  }
}

/** POST `body` (an object is sent as JSON, a string as is) and return the JSON answer. */
export async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" },
  });
  let data;
  try {
    data = await response.json();
  } catch {
    data = { __type: "InternalError", message: `HTTP ${response.status}` };
  }
  if (!response.ok) throw new ApiError(data, response.status);
  return data;
}
