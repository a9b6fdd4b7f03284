// The browser's own IANA time zone, for sign-up (a hidden field) and the reminder settings
// (a button that fills the time zone field). Without JavaScript, sign-up saves UTC and the
// person can change it on the settings page.

const zone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
})();

if (zone) {
  for (const input of document.querySelectorAll("input[data-browser-timezone]")) {
    if (!input.value) input.value = zone;
  }
  for (const button of document.querySelectorAll("button[data-use-browser-timezone]")) {
    const field = document.getElementById(button.dataset.useBrowserTimezone);
    if (!field || field.value === zone) continue;
    button.textContent = `Use this phone’s time zone: ${zone}`;
    button.hidden = false;
    button.addEventListener("click", () => {
      field.value = zone;
      field.dispatchEvent(new Event("change", { bubbles: true }));
      button.hidden = true;
      field.focus();
    });
  }
}
