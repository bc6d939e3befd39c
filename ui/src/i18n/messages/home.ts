/**
 * The patient at home before the waiting room (cloud/src/http/routes/join-identity.ts, the join
 * page's device check): the identity code's message, the checks' verdicts and advice, the identity
 * form that follows the check and the waiting step.
 */
import type { Messages } from '../types.js';

export const home = {
  codeSubject: { fr: '[Telecart] Votre code de confirmation', en: '[Telecart] Your confirmation code' },
  codeMessage: {
    fr: 'Telecart : votre code de confirmation est {code} (valable {minutes} minutes). Ne le communiquez à personne.',
    en: 'Telecart: your confirmation code is {code} (valid {minutes} minutes). Do not share it with anyone.',
  },
  checkTitle: { fr: 'Vérifier votre appareil', en: 'Check your device' },
  checkIntro: {
    fr: 'Avant la consultation, vérifions la caméra, le micro, le haut-parleur et la connexion.',
    en: 'Before the consultation, let us check the camera, the microphone, the speaker and the connection.',
  },
  checkStart: { fr: 'Commencer la vérification', en: 'Start the check' },
  checkRunning: { fr: 'Vérification en cours…', en: 'Checking…' },
  checkLevel: { fr: 'Niveau du micro : parlez pour le voir bouger', en: 'Microphone level: speak to see it move' },
  playSound: { fr: 'Jouer un son', en: 'Play a sound' },
  heard: { fr: 'Je l’ai entendu', en: 'I heard it' },
  notHeard: { fr: 'Je n’ai rien entendu', en: 'I heard nothing' },
  'check:camera': { fr: 'Caméra', en: 'Camera' },
  'check:microphone': { fr: 'Micro', en: 'Microphone' },
  'check:speaker': { fr: 'Haut-parleur', en: 'Speaker' },
  'check:network': { fr: 'Connexion', en: 'Connection' },
  'check:relay': { fr: 'Passage de la vidéo', en: 'Video path' },
  'status:ok': { fr: 'OK', en: 'OK' },
  'status:problem': { fr: 'Problème', en: 'Problem' },
  'advice:ok': { fr: 'Tout va bien.', en: 'All good.' },
  'advice:denied': {
    fr: 'L’accès a été refusé : autorisez la caméra et le micro pour ce site (icône à gauche de l’adresse), puis recommencez.',
    en: 'Access was refused: allow the camera and the microphone for this site (icon left of the address), then start again.',
  },
  'advice:no-device': {
    fr: 'Aucun appareil trouvé : branchez-le ou utilisez un téléphone ou une tablette.',
    en: 'No device found: plug one in, or use a phone or a tablet.',
  },
  'advice:busy': {
    fr: 'L’appareil est utilisé par une autre application : fermez-la, puis recommencez.',
    en: 'The device is used by another application: close it, then start again.',
  },
  'advice:no-frames': {
    fr: 'La caméra ne donne pas d’image : vérifiez qu’elle n’est pas cachée ou éteinte.',
    en: 'The camera gives no picture: check it is not covered or switched off.',
  },
  'advice:silent': {
    fr: 'Le micro n’entend rien : vérifiez qu’il n’est pas coupé, parlez, puis recommencez.',
    en: 'The microphone hears nothing: check it is not muted, speak, then start again.',
  },
  'advice:not-heard': {
    fr: 'Montez le volume ou branchez des écouteurs, puis rejouez le son.',
    en: 'Turn the volume up or plug in earphones, then play the sound again.',
  },
  'advice:no-sound': {
    fr: 'Le navigateur n’a pas pu jouer de son : touchez la page, puis rejouez le son.',
    en: 'The browser could not play a sound: touch the page, then play the sound again.',
  },
  'advice:slow': {
    fr: 'La connexion est lente : rapprochez-vous de la box, ou arrêtez les autres usages (vidéos, téléchargements).',
    en: 'The connection is slow: move closer to the router, or stop other uses (videos, downloads).',
  },
  'advice:offline': {
    fr: 'Le service ne répond pas : vérifiez la connexion à internet, puis recommencez.',
    en: 'The service does not answer: check the internet connection, then start again.',
  },
  'advice:no-relay': {
    fr: 'Votre réseau bloque la vidéo : essayez un autre réseau (par exemple le partage de connexion du téléphone).',
    en: 'Your network blocks the video: try another network (for example the phone’s hotspot).',
  },
  'advice:error': {
    fr: 'Une erreur inattendue : rechargez la page, puis recommencez.',
    en: 'An unexpected error: reload the page, then start again.',
  },
  identityTitle: { fr: 'Confirmer votre identité', en: 'Confirm who you are' },
  identityIntro: {
    fr: 'Pour que personne d’autre n’entre à votre place, confirmez qui vous êtes.',
    en: 'So that nobody else comes in in your place, confirm who you are.',
  },
  birthDateLabel: { fr: 'Votre date de naissance', en: 'Your date of birth' },
  birthDateSubmit: { fr: 'Confirmer', en: 'Confirm' },
  codeOr: { fr: 'Ou recevez un code :', en: 'Or receive a code:' },
  codeBySms: { fr: 'Recevoir un code par SMS ({to})', en: 'Get a code by SMS ({to})' },
  codeByEmail: { fr: 'Recevoir un code par e-mail ({to})', en: 'Get a code by e-mail ({to})' },
  codeLabel: { fr: 'Le code reçu (6 chiffres)', en: 'The code received (6 digits)' },
  codeSubmit: { fr: 'Valider le code', en: 'Submit the code' },
  codeSent: { fr: 'Code envoyé : il est valable 10 minutes.', en: 'Code sent: it is valid 10 minutes.' },
  'identity:wrong': {
    fr: 'Cela ne correspond pas à votre dossier : encore {left} essai(s).',
    en: 'This does not match your record: {left} tries left.',
  },
  'identity:locked': {
    fr: 'Trop de réponses fausses : ce lien est bloqué. Demandez un nouveau lien au service qui vous a invité.',
    en: 'Too many wrong answers: this link is locked. Ask the service that invited you for a new link.',
  },
  'identity:code-expired': { fr: 'Le code a expiré : demandez-en un nouveau.', en: 'The code has expired: ask for a new one.' },
  'identity:no-code': { fr: 'Demandez d’abord un code.', en: 'Ask for a code first.' },
  'identity:too-soon': {
    fr: 'Un code vient d’être envoyé : attendez une minute avant d’en demander un autre.',
    en: 'A code was just sent: wait a minute before asking for another.',
  },
  'identity:too-many-codes': {
    fr: 'Plusieurs codes ont déjà été envoyés : utilisez le dernier, ou votre date de naissance.',
    en: 'Several codes were sent already: use the last one, or your date of birth.',
  },
  'identity:no-birth-date': {
    fr: 'Aucune date de naissance dans votre dossier : confirmez avec un code.',
    en: 'No date of birth on your record: confirm with a code.',
  },
  'identity:error': {
    fr: 'Le service n’a pas pu vérifier : rechargez la page, puis recommencez.',
    en: 'The service could not check: reload the page, then try again.',
  },
  admittedText: {
    fr: '{by} vous a fait entrer dans la consultation.',
    en: '{by} let you into the consultation.',
  },
  refusedText: {
    fr: '{by} n’a pas pu vous faire entrer. Si c’est une erreur, contactez le service qui vous a invité.',
    en: '{by} could not let you in. If this is a mistake, contact the service that invited you.',
  },
  waitingLost: {
    fr: 'La connexion au service est perdue : rechargez la page pour revenir en salle d’attente.',
    en: 'The connection to the service is lost: reload the page to come back to the waiting room.',
  },
  // The act is over (the specialist hung up, or it could not go on): not a lost connection.
  endedText: {
    fr: 'La téléconsultation est terminée. Vous pouvez fermer cette page.',
    en: 'The teleconsultation has ended. You may close this page.',
  },
  waitingTitle: { fr: 'Salle d’attente', en: 'Waiting room' },
  waitingText: {
    fr: 'Merci, votre identité est confirmée. Restez sur cette page : le spécialiste va vous faire entrer.',
    en: 'Thank you, your identity is confirmed. Stay on this page: the specialist will let you in.',
  },
  // A guest removed by the specialist (their media stop, the socket closes).
  removedText: {
    fr: '{by} vous a retiré de cette téléconsultation. Vous pouvez fermer cette page.',
    en: '{by} removed you from this teleconsultation. You may close this page.',
  },
  // A guest's room through the forwarding unit (cloud/src/pages/join/browser/guest-room.ts).
  roomTitle: { fr: 'Les participants', en: 'The participants' },
  roomSelf: { fr: 'Vous', en: 'You' },
  /** What another participant turned off, under their tile. */
  roomRemoteMicOff: { fr: 'micro coupé', en: 'microphone muted' },
  roomRemoteCamOff: { fr: 'caméra coupée', en: 'camera off' },
  /** The socket or the room's peer connection dropped (a cloud restart): the page tries again by itself. */
  reconnecting: { fr: 'Connexion perdue, reconnexion…', en: 'Connection lost, reconnecting…' },
  /** The forwarding unit holds this participant's video back: the page's downlink has no room for it. */
  roomRemoteVideoPaused: { fr: 'vidéo suspendue — débit insuffisant', en: 'video paused — not enough bandwidth' },
  /** A room tile's button: the forwarding unit keeps this participant's video longest for this page. */
  roomPin: { fr: 'Épingler', en: 'Pin' },
  roomUnpin: { fr: 'Désépingler', en: 'Unpin' },
  roomConnecting: { fr: 'Connexion avec la téléconsultation…', en: 'Connecting to the teleconsultation…' },
  roomLost: {
    fr: 'La liaison avec la téléconsultation est coupée. Rechargez la page pour revenir.',
    en: 'The link with the teleconsultation is cut. Reload the page to come back.',
  },
  // The conversation with the specialist, once let in (cloud/src/pages/join/browser/call.ts).
  callTitle: { fr: 'Consultation', en: 'Consultation' },
  callConnecting: { fr: 'Connexion avec le spécialiste…', en: 'Connecting to the specialist…' },
  callSelf: { fr: 'Vous', en: 'You' },
  callMicOff: { fr: 'Couper mon micro', en: 'Mute my microphone' },
  callMicOn: { fr: 'Rétablir mon micro', en: 'Unmute my microphone' },
  callCamOff: { fr: 'Couper ma caméra', en: 'Turn my camera off' },
  callCamOn: { fr: 'Rétablir ma caméra', en: 'Turn my camera on' },
  callRemoteMicOff: { fr: 'Le spécialiste a coupé son micro', en: 'The specialist muted their microphone' },
  callRemoteCamOff: { fr: 'Le spécialiste a coupé sa caméra', en: 'The specialist turned their camera off' },
  callNoMedia: {
    fr: 'Ni caméra ni micro : vous voyez et entendez le spécialiste, mais lui ne vous entend pas.',
    en: 'No camera and no microphone: you see and hear the specialist, but they cannot hear you.',
  },
  callEnded: {
    fr: 'La liaison avec le spécialiste est coupée. Restez sur cette page : il peut vous rappeler.',
    en: 'The link with the specialist is cut. Stay on this page: they can call you again.',
  },
} as const satisfies Messages;
