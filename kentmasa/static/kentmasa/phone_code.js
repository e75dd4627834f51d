// The public form's "send me a code" button: asks for the SMS code without leaving the form (the photo and
// everything typed stay). Without script the button posts the form to the same address and gets it back.
(function () {
  "use strict";
  var button = document.getElementById("phone-code-send");
  var status = document.getElementById("phone-code-status");
  var form = document.getElementById("case-form");
  if (!button || !status || !form || !window.fetch) return;

  button.addEventListener("click", function (event) {
    event.preventDefault();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    data.append("phone", form.elements.phone.value);
    var label = button.textContent;
    button.disabled = true;
    status.classList.remove("phone-code__status--error");
    status.textContent = button.dataset.sending;
    fetch(button.getAttribute("formaction"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      })
      .then(function (result) {
        status.textContent = result.answer.message;
        status.classList.toggle("phone-code__status--error", !result.ok);
        if (result.ok) form.elements.phone_code.focus();
      })
      .catch(function () {
        status.textContent = button.dataset.failed;
        status.classList.add("phone-code__status--error");
      })
      .finally(function () {
        button.disabled = false;
        button.textContent = label;
      });
  });
})();
