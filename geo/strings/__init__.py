"""UI and report strings, one module per part of the app; merged by geo.i18n."""
