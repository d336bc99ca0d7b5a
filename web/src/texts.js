// Everything the visitor sees, in one place, in Dutch (formal "u").
export const TEXTS = {
  defaultTitle: "STO-assistent",
  subtitle: "Digitale assistent",
  launcherLabel: "Open de chat met de STO-assistent",
  launcherText: "Chat",
  closeLabel: "Chat sluiten",
  newConversation: "Nieuw gesprek",
  newConversationLabel: "Nieuw gesprek beginnen en dit gesprek wissen",
  logLabel: "Gesprek met de STO-assistent",
  inputLabel: "Uw vraag",
  placeholder: "Typ uw vraag…",
  send: "Verstuur",
  youSaid: "U:",
  botSaid: "STO-assistent:",
  noticeSaid: "Melding:",
  suggestionsLabel: "Kies een onderwerp",
  typing: "De STO-assistent typt een antwoord…",
  connecting: "Verbinden met de assistent…",
  offline: "Verbinding verbroken, opnieuw verbinden…",
  connectFailed: "De assistent is nu niet bereikbaar. We proberen opnieuw te verbinden…",
  noReply:
    "Er kwam geen antwoord van de assistent. Probeer het later opnieuw of kies 'Contact met een mens'.",
  newWindow: "(opent in een nieuw venster)",
  welcomeIntro:
    "Welkom! Ik ben de STO-assistent: een digitale assistent, geen mens. " +
    "Ik beantwoord vragen van bedrijven over Sterk Techniekonderwijs.",
  welcomePrivacyBefore: "Lees in de ",
  welcomePrivacyLink: "privacyverklaring",
  welcomePrivacyAfter: " wat er met uw berichten gebeurt. Deel geen gevoelige persoonsgegevens.",
  welcomeQuestion: "Waarmee kan ik u helpen?",
  footerNote: "Digitale assistent, geen mens.",
  privacy: "Privacy",
};
