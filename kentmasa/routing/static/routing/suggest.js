// kentmasa routing: a click on one of the router's suggested categories (routing/_suggestions.html) chooses
// it in the console's category field, as picking it from the category search would.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".routing-pick");
    if (!button) return;
    event.preventDefault();
    var hidden = document.getElementById("id_category");
    var search = document.getElementById("id_category_search");
    var chosen = document.getElementById("category-chosen");
    if (hidden) hidden.value = button.dataset.id;
    if (search) search.value = button.dataset.label;
    if (chosen) {
      chosen.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = button.dataset.label;
      chosen.appendChild(strong);
      if (button.dataset.unit) chosen.appendChild(document.createTextNode(" → " + button.dataset.unit));
    }
  });
})();
