// Passkeys in the console: a few lines around navigator.credentials (no build step).
"use strict";
(function () {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const status = (text) => { document.getElementById("ceremony-status").textContent = text; };

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((answer.detail || response.status) + (answer.fix ? " — " + answer.fix : ""));
    return answer;
  }

  async function login() {
    status("…");
    const options = await post("/auth/passkey/options", {});
    const pk = options.public_key;
    pk.challenge = bytes(pk.challenge);
    (pk.allowCredentials || []).forEach((c) => { c.id = bytes(c.id); });
    const got = await navigator.credentials.get({ publicKey: pk });
    const r = got.response;
    await post("/console/login", {
      challenge_id: options.challenge_id,
      assertion: {
        id: got.id, rawId: b64(got.rawId), type: got.type,
        response: {
          clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData),
          signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : null,
        },
      },
    });
    window.location.assign("/console");
  }

  async function enrol(event) {
    event.preventDefault();
    status("…");
    const secret = window.location.hash.slice(1);
    history.replaceState(null, "", window.location.pathname);  // the secret leaves the address bar
    if (secret) {
      const opened = await post("/console/enrol", { link: secret });
      document.querySelector('meta[name="csrf-token"]').content = opened.csrf;  // the session's
    }
    const options = await post("/console/passkeys/registration/options", {});
    const pk = options.public_key;
    pk.challenge = bytes(pk.challenge);
    pk.user.id = bytes(pk.user.id);
    (pk.excludeCredentials || []).forEach((c) => { c.id = bytes(c.id); });
    const made = await navigator.credentials.create({ publicKey: pk });
    const r = made.response;
    await post("/console/passkeys/registration", {
      challenge_id: options.challenge_id,
      name: document.getElementById("passkey-name").value,
      credential: {
        id: made.id, rawId: b64(made.rawId), type: made.type,
        response: {
          clientDataJSON: b64(r.clientDataJSON), attestationObject: b64(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [],
        },
      },
    });
    status(document.getElementById("ceremony-status").dataset.enrolled);
    document.getElementById("to-login").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const loginButton = document.getElementById("passkey-login");
    if (loginButton) loginButton.addEventListener("click", () => login().catch((e) => status(e.message)));
    const enrolForm = document.getElementById("passkey-enrol");
    if (enrolForm) enrolForm.addEventListener("submit", (e) => enrol(e).catch((err) => status(err.message)));
  });
})();
