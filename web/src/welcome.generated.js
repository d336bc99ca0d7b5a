// GENERATED from the buttons of utter_greet in domain/ by `make lookup`. Do not edit: change the source.
// Quick replies shown with the widget's welcome message (title shown, payload sent).
export const WELCOME_QUICK_REPLIES = [
  {
    "title": "Cofinanciering",
    "payload": "/cofinancing_amount"
  },
  {
    "title": "Vormen van bijdragen",
    "payload": "/contribution_overview"
  },
  {
    "title": "Mijn regio vinden",
    "payload": "/find_region"
  },
  {
    "title": "Contact met een mens",
    "payload": "/human_handoff"
  }
];
