/* feed_doc.c - the feed's column descriptions (see feed_doc.h). */
#include "feed_doc.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *table, *column, *unit, *text;
} feed_doc[] = {
    /* shared by several tables */
    {"*", "meting", "jaar", "Jaar van de uitvraag (meetronde)."},
    {"*", "groep", NULL, "Groep koplopers: alle, tranche-N of een benoemde groep."},
    {"*", "thema", NULL, "Nummer van het thema in de vragenlijst."},
    {"*", "item", NULL, "Kolomnaam van de vraag in de vragenlijst."},
    {"*", "onderdrukt", NULL, "Waar als de groep te klein is en de cijfers zijn weggelaten."},
    {"*", "jaar", "jaar", "Kalenderjaar."},
    {"*", "maand", "maand", "Maand van de periode (1-12)."},
    {"*", "gemeente_code", NULL, "CBS-code van de gemeente (GMxxxx)."},
    {"*", "koploper_id", NULL, "Id van de koploper in het register."},
    {"*", "tranche", NULL, "Tranche van de koploper in het register."},
    {"*", "koploper", NULL, "Waar als de gemeente bij een koploper van het register hoort."},
    {"*", "nieuwe_vragen", "aantal", "Nieuwe vragen om cliëntondersteuning, opgeteld."},
    {"*", "lopende_trajecten", "aantal", "Lopende trajecten van cliëntondersteuning."},
    {"*", "clienten_bereikt", "aantal", "Bereikte cliënten, opgeteld."},
    {"*", "inwoners", "inwoners",
     "Inwoners in het jaar van de rij (anders het dichtstbijzijnde jaar met cijfers, eerst een "
     "eerder jaar)."},
    {"*", "clienten_per_1000_inwoners", "per 1000 inwoners",
     "Bereikte cliënten per 1000 inwoners."},
    {"*", "n", "aantal", "Aantal meetellende responses."},
    {"*", "naam", NULL, "Naam."},
    /* survey */
    {"respons_tranche", "uitgenodigd", "aantal", "Uitgenodigde koplopers van de tranche."},
    {"respons_tranche", "respons", "aantal", "Meetellende responses van de tranche."},
    {"respons_tranche", "respons_pct", "procent", "Respons als deel van de uitgenodigden."},
    {"likert", "gevraagd", "aantal", "Meetellende responses die de vraag kregen."},
    {"likert", "zeer_ontevreden", "aantal", "Antwoorden zeer ontevreden."},
    {"likert", "ontevreden", "aantal", "Antwoorden ontevreden."},
    {"likert", "tevreden", "aantal", "Antwoorden tevreden."},
    {"likert", "zeer_tevreden", "aantal", "Antwoorden zeer tevreden."},
    {"likert", "nvt", "aantal", "Antwoorden niet van toepassing."},
    {"likert", "ontbrekend", "aantal", "Gevraagd maar niet (geldig) beantwoord."},
    {"likert", "gemiddelde", "score 1-4", "Gemiddelde van de antwoorden 1 tot en met 4."},
    {"keuze", "antwoord", NULL, "Toegestane waarde, of ontbrekend."},
    {"keuze", "aantal", "aantal", "Responses met dit antwoord."},
    {"keuze", "pct", "procent", "Aandeel van de geldige antwoorden."},
    {"besteding", "categorie", NULL, "Bestedingscategorie."},
    {"besteding", "n", "aantal", "Responses met een geldige verdeling."},
    {"besteding", "gemiddeld_pct", "procent", "Gemiddeld aandeel van het budget."},
    {"besteding", "mediaan_pct", "procent", "Mediaan van het aandeel."},
    {"besteding", "min_pct", "procent", "Kleinste aandeel."},
    {"besteding", "max_pct", "procent", "Grootste aandeel."},
    {"open_antwoorden", "tranche", NULL, "Tranche van de koploper die antwoordde."},
    {"open_antwoorden", "tekst", NULL, "Het open antwoord zoals gegeven."},
    {"rejects", "bestand", NULL, "Aangeleverd bestand."},
    {"rejects", "regel", "regelnummer", "Regel in het bestand (leeg: het hele bestand)."},
    {"rejects", "kolom", NULL, "Kolom van de fout."},
    {"rejects", "code", NULL, "Foutcode (docs/OUTPUTS.md)."},
    {"rejects", "melding", NULL, "Uitleg van de fout."},
    /* monitoring */
    {"gebruik", "periode", "datum", "Eerste dag van de maand van de cijfers."},
    {"gebruik", "aanbieder_type", NULL, "Soort aanbieder: professioneel, vrijwillig, informeel."},
    {"gebruik", "nieuwe_vragen", "aantal", "Nieuwe vragen in de maand."},
    {"gebruik", "clienten_bereikt", "aantal", "Bereikte cliënten in de maand."},
    {"gebruik_gemeente", "gemeente_code", NULL, "CBS-code zoals aangeleverd."},
    {"gebruik_gemeente_nu", "gemeente_code", NULL,
     "CBS-code van de gemeente van vandaag (na herindelingen)."},
    {"gebruik_gemeente_nu", "inwoners", "inwoners",
     "Inwoners binnen de grenzen van vandaag: de cijfers van één jaar, opgeteld over de "
     "gemeenten waaruit de gemeente op 1 januari van dat jaar bestond."},
    {"gebruik_gemeente_nu", "koploper", NULL,
     "Waar als de gemeente of een van haar voorgangers bij een koploper hoort."},
    {"gebruik_koploper", "inwoners", "inwoners", "Inwoners van de gemeenten van de koploper."},
    {"adviesinzet", "uren", "uren", "Ingezette adviesuren."},
    {"adviesinzet", "dagen", "dagen", "Ingezette adviesdagen."},
    {"adviesinzet", "dagen_toegekend", "dagen", "Toegekende adviesdagen."},
    {"adviesinzet", "dagen_pct", "procent", "Ingezette dagen als deel van de toegekende."},
    {"bijeenkomsten", "type", NULL, "Soort bijeenkomst."},
    {"bijeenkomsten", "aantal_bijeenkomsten", "aantal", "Verschillende bijeenkomsten."},
    {"bijeenkomsten", "deelnemers_koploper", "deelnemers", "Deelnemers uit koplopergemeenten."},
    {"bijeenkomsten", "deelnemers_niet_koploper", "deelnemers", "Deelnemers uit andere gemeenten."},
    {"bijeenkomsten", "gemeenten_niet_koploper", "gemeenten",
     "Verschillende andere gemeenten met deelnemers."},
    {"middelen", "toegekend_eur", "euro", "Toegekend budget over alle jaren."},
    {"middelen", "clienten_bereikt", "aantal",
     "Bereikte cliënten in de gemeenten van de koploper."},
    {"middelen", "eur_per_client", "euro", "Toegekend budget per bereikte cliënt."},
    {"middelen", "adviesdagen", "dagen", "Ingezette adviesdagen."},
    {"ervaring", "groep", NULL, "koploper of niet_koploper."},
    {"ervaring", "gemeenten", "gemeenten", "Gemeenten met cijfers."},
    {"ervaring", "respondenten", "aantal", "Respondenten opgeteld."},
    {"ervaring", "bekend_pct", "procent", "Gewogen aandeel dat de ondersteuning kent."},
    {"ervaring", "tevreden_pct", "procent", "Gewogen aandeel dat tevreden is."},
    {"ervaring", "verschil_bekend_pp", "procentpunt",
     "Verandering van bekend_pct sinds het startjaar."},
    {"ervaring", "verschil_tevreden_pp", "procentpunt",
     "Verandering van tevreden_pct sinds het startjaar."},
    {"voordrachten", "voordracht_id", NULL, "Id van de voordracht."},
    {"voordrachten", "criteria_ja", "aantal", "Criteria (van 5) met ja."},
    {"voordrachten", "clientorganisatie_betrokken", NULL,
     "Waar als een cliëntorganisatie betrokken is."},
    {"voordrachten", "geschikt", NULL, "Waar als de voordracht aan de eisen voldoet."},
    {"voordrachten", "reden", NULL, "Waarom niet geschikt (leeg als geschikt)."},
    {"voordrachten", "ingediend_op", "datum", "Datum van indienen (JJJJ-MM-DD)."},
    {"voordrachten", "oproep", NULL, "De oproep waarop de voordracht is ingediend."},
    {"voordrachten", "tijdig", NULL, "Waar als de voordracht voor de sluiting van de oproep kwam."},
    {"voordrachten", "visie", NULL, "Waar als het criterium visie met ja is beantwoord."},
    {"voordrachten", "betrokkenheid", NULL,
     "Waar als het criterium betrokkenheid met ja is beantwoord."},
    {"voordrachten", "innovatie", NULL, "Waar als het criterium innovatie met ja is beantwoord."},
    {"voordrachten", "ambitie", NULL, "Waar als het criterium ambitie met ja is beantwoord."},
    {"voordrachten", "doelgroepen", NULL,
     "Waar als het criterium doelgroepen met ja is beantwoord."},
    {"voordrachten", "koploper_id", NULL, "De koploper die uit de voordracht is voortgekomen."},
    /* comparisons */
    {"tevredenheid", "tevreden", "aantal", "Responses (zeer) tevreden."},
    {"tevredenheid", "aandeel_pct", "procent", "Aandeel (zeer) tevreden."},
    {"tevredenheid", "ci_laag_pct", "procent", "Ondergrens van het 95%-interval."},
    {"tevredenheid", "ci_hoog_pct", "procent", "Bovengrens van het 95%-interval."},
    {"tevredenheid", "groepsonthulling", NULL,
     "Waar als iedereen in de groep hetzelfde antwoordde."},
    {"vergelijking", "vergelijking", NULL, "Naam van de vergelijking."},
    {"vergelijking", "type", NULL, "onafhankelijk of gepaard."},
    {"vergelijking", "meting_a", "jaar", "Meetronde van groep a."},
    {"vergelijking", "groep_a", NULL, "Groep a."},
    {"vergelijking", "n_a", "aantal", "Responses in groep a."},
    {"vergelijking", "aandeel_a_pct", "procent", "Aandeel tevreden in groep a."},
    {"vergelijking", "meting_b", "jaar", "Meetronde van groep b."},
    {"vergelijking", "groep_b", NULL, "Groep b."},
    {"vergelijking", "n_b", "aantal", "Responses in groep b."},
    {"vergelijking", "aandeel_b_pct", "procent", "Aandeel tevreden in groep b."},
    {"vergelijking", "verschil_pp", "procentpunt", "Verschil a min b."},
    {"vergelijking", "ci_laag_pp", "procentpunt",
     "Ondergrens van het 95%-interval van het verschil."},
    {"vergelijking", "ci_hoog_pp", "procentpunt",
     "Bovengrens van het 95%-interval van het verschil."},
    {"vergelijking", "toets", NULL, "Gebruikte toets."},
    {"vergelijking", "p_waarde", NULL, "p-waarde van de toets."},
    {"vergelijking", "significant", NULL, "Waar als p kleiner is dan 0,05."},
    /* dimensions */
    {"gemeente", "naam", NULL, "Naam van de gemeente."},
    {"gemeente", "provincie", NULL, "Provincie."},
    {"gemeente", "inwoners", "inwoners",
     "Inwoners in het laatste jaar met cijfers: aangeleverd, anders de CBS-lijst van 2021."},
    {"gemeente", "inwoners_jaar", "jaar",
     "Jaar van die inwoners (leeg: een gemeentelijst zonder jaar in de bestandsnaam)."},
    {"gemeente", "gemeente_code_nu", NULL,
     "Code van de gemeente waar deze vandaag onder valt (zichzelf als niet heringedeeld)."},
    {"gemeente", "inwoners_nu", "inwoners",
     "Inwoners binnen de grenzen van vandaag, in het laatste jaar met cijfers (leeg voor een "
     "opgeheven gemeente)."},
    {"gemeente", "opgeheven_op", "datum", "Ingangsdatum van de herindeling die haar opheft."},
    {"gemeente", "bron", NULL, "Herkomst van naam en inwoners: geleverd, cbs_2021 of herindeling."},
    {"gemeente_inwoners", "jaar", "jaar",
     "Jaar van de inwoners, uit de bestandsnaam van de gemeentelijst (leeg: geen jaar in de "
     "naam)."},
    {"gemeente_inwoners", "inwoners", "inwoners", "Inwoners van de gemeente in dat jaar."},
    {"gemeente_inwoners", "bron", NULL,
     "geleverd (een aangeleverde gemeentelijst) of cbs (de meegeleverde CBS-lijst)."},
    {"koploper", "naam", NULL, "Naam van de koploper."},
    {"koploper", "startjaar", "jaar", "Startjaar van de koploper."},
    {"koploper", "status", NULL, "Status in het register."},
    {"koploper", "gemeenten", "gemeenten", "Verschillende gemeenten van de koploper."},
};

const char *feed_doc_lookup(const char *table, const char *column, const char **unit)
{
    const char *const tables[] = {table, "*"};

    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < sizeof feed_doc / sizeof feed_doc[0]; i++) {
            if (strcmp(feed_doc[i].table, tables[t]) != 0 ||
                strcmp(feed_doc[i].column, column) != 0)
                continue;
            *unit = feed_doc[i].unit;
            return feed_doc[i].text;
        }
    }
    *unit = NULL;
    return NULL;
}
