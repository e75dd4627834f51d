// The destruction record's Print button (kentmasa/templates/retention/detail.html): scripts stay in files.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) window.print();
});
