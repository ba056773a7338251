/* Strings of Django admin's JavaScript (the two-list selector of filter_horizontal) that Django's Chinese
   catalogue lacks in their current wording: marked here so that `make messages` puts them into our djangojs
   catalogue, which the admin's JavaScript catalogue reads after Django's. This file is never loaded. */
gettext('Available %s');
gettext('Choose %s by selecting them and then select the "Choose" arrow button.');
gettext('Type into this box to filter down the list of available %s.');
gettext('Filter');
gettext('Choose all %s');
gettext('Choose selected %s');
gettext('Remove selected %s');
gettext('Chosen %s');
gettext('Remove %s by selecting them and then select the "Remove" arrow button.');
gettext('Type into this box to filter down the list of selected %s.');
gettext('(click to clear)');
gettext('Remove all %s');
ngettext('%s selected option not visible', '%s selected options not visible', 1);
