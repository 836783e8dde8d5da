"""Sections « Parrainage », « Accès à l'emploi », « Quartiers prioritaires », « Territoires » (and one page per
territory), « Repérage et remobilisation », « Égalité filles-garçons »."""

from __future__ import annotations

from milo_pipeline.lib import charts
from milo_pipeline.lib.formatting import fr_nombre
from milo_pipeline.lib.saisies import slug

from . import layout
from .blocs import AUTRES_INDICATEURS, barres, chiffres, graphique, tableau
from .section import Rapport, Section
from .sections_dispositifs import lignes_dispositifs


def section_parrainage(r: Rapport) -> list[Section]:
    ind = r.ind
    parrains = None
    if any(ind.a(i) for i in layout.PARRAINS_PAR_STATUT):
        items = [(ind.libelle(i), ind.nombre(i)) for i in layout.PARRAINS_PAR_STATUT]
        titre = "Parrains et marraines selon leur statut"
        parrains = graphique(titre, charts.split_bar_chart(
            items, title=titre, format_value=fr_nombre, width=640, total=ind.nombre(layout.PARRAINS_TOTAL)),
            demi=False, indicateurs=[*layout.PARRAINS_PAR_STATUT, layout.PARRAINS_TOTAL])
    return [r.section("parrainage", "Parrainage", [
        *(chiffres(titre, [ind.chiffre(i) for i in ids]) for titre, ids in layout.PARRAINAGE),
        parrains,
    ], definition="Des bénévoles, salariés ou retraités, accompagnent un jeune vers l'emploi en complément de "
                  "son conseiller.", texte="parrainage")]


def section_emploi(r: Rapport) -> list[Section]:
    ind = r.ind
    evolutions = [i for i in ind.de_la_section("emploi") if ind.est_evolution(i) and ind.a(i)]
    evolution = None
    if evolutions:
        titre = "Évolution par rapport à la même période de l'année précédente"
        evolution = graphique(
            titre,
            charts.diverging_bar_chart([(ind.libelle(i), ind.nombre(i)) for i in evolutions], title=titre,
                                       width=640, label_width=260),
            " ".join(ind.definition(i) for i in evolutions[:1]), indicateurs=evolutions)
    titre_entreprises, entreprises = layout.EMPLOI_ENTREPRISES
    return [r.section("emploi", "Accès à l'emploi", [
        *(chiffres(titre, [ind.chiffre(i) for i in ids]) for titre, ids in layout.EMPLOI),
        evolution,
        chiffres(titre_entreprises, [ind.chiffre(i) for i in entreprises]),
    ], definition="L'accès des jeunes accompagnés à l'emploi, les immersions en entreprise, le volontariat et "
                  "les relations avec les employeurs.", texte="emploi")]


def section_qpv(r: Rapport) -> list[Section]:
    ind = r.ind
    quartiers = layout.QPV_PAR_QUARTIER
    qpv = [(m, ind.nombre(quartiers, m)) for m in ind.modalites_de(quartiers)]
    return [r.section("qpv", "Intervention dans les quartiers prioritaires de la ville", [
        chiffres(None, ind.tuiles(layout.QPV)),
        barres(ind.libelle(quartiers), qpv, "nb", ind.definition(quartiers), indicateurs=[quartiers]),
    ], definition="Les jeunes qui résident dans un quartier prioritaire de la politique de la ville (QPV).",
        texte="qpv")]


def section_territoires(r: Rapport) -> list[Section]:
    """The territories compared (a chart, a table with one column per indicator of the section), then one page
    per territory (EPCI), « Hors territoire » apart."""
    ind = r.ind
    effectif = layout.TERRITOIRES_EFFECTIF
    ids = [i for i in ind.de_la_section("territoires") if ind.a(i)]
    territoires = ind.modalites_de(effectif)
    comparaison = barres(ind.libelle(effectif), [(t, ind.nombre(effectif, t)) for t in territoires], "nb",
                         ind.definition(effectif), indicateurs=[effectif])
    par_territoire = tableau(
        "Comparaison des territoires", [ind.libelle(i) for i in ids],
        [{"libelle": t, "cellules": [ind.valeur(i, t) for i in ids], "total": t == layout.HORS_TERRITOIRE}
         for t in territoires], premiere_colonne="Territoire", indicateurs=ids)
    sections = [r.section("territoires", "Intervention sur les territoires", [comparaison, par_territoire],
                          definition="Les jeunes accompagnés selon l'intercommunalité (EPCI) de leur commune de "
                                     "résidence ; « Hors territoire » : communes extérieures au ressort de la Mission "
                                     "Locale.", texte="territoires")]
    profil, mobilite = layout.TERRITOIRE_PROFIL, layout.TERRITOIRE_MOBILITE
    for epci in (m for m in territoires if m != layout.HORS_TERRITOIRE):
        sections.append(r.section(
            f"territoire-{slug(epci)}", epci, [
                chiffres(None, [ind.chiffre(i, epci) for i in profil]),
                chiffres("Mobilité", [ind.chiffre(i, epci) for i in mobilite]),
                chiffres(AUTRES_INDICATEURS, [ind.chiffre(i, epci) for i in ids if i not in profil + mobilite]),
            ], definition=f"Les jeunes accompagnés qui résident sur le territoire de : {epci}.",
            texte=f"territoires/{slug(epci)}", niveau=2))
    return sections


def section_reperage(r: Rapport) -> list[Section]:
    ind = r.ind
    par_canal = [i for i in layout.REPERAGE_PAR_CANAL if ind.a(i)]
    canaux: list[str] = []
    for i in par_canal:
        canaux += [m for m in ind.modalites_de(i) if m not in canaux]
    tableau_canaux = tableau("Par canal de repérage", [ind.libelle(i) for i in par_canal],
                             [{"libelle": c, "cellules": [ind.valeur(i, c) for i in par_canal]} for c in canaux],
                             premiere_colonne="Canal", indicateurs=par_canal)
    reperes, definition = layout.REPERAGE_GRAPHIQUE
    graphique_reperes = barres(ind.libelle(reperes), [(c, ind.nombre(reperes, c)) for c in ind.modalites_de(reperes)],
                               "nb", ind.definition(definition), indicateurs=[reperes, definition])
    return [r.section("reperage", "Repérage et remobilisation", [
        chiffres(None, [ind.chiffre(i) for i in layout.REPERAGE]),
        graphique_reperes, tableau_canaux,
    ], definition="Les actions « aller vers » : contacts avec des jeunes hors de tout accompagnement, jeunes "
                  "repérés et remobilisés.", texte="reperage")]


def section_egalite(r: Rapport) -> list[Section]:
    ind = r.ind
    publics = [(libelle, ind.nombre(i, m)) for libelle, i, m in layout.EGALITE_PUBLICS]
    femmes = layout.DISPOSITIFS_FEMMES
    lignes = lignes_dispositifs(ind, r.programmes) if ind.a(femmes) else []
    programmes = [(ligne["libelle"], ind.nombre(femmes, ligne["dispositif"]))
                  for ligne in lignes if not ligne["ensemble"]]
    equipe = None
    if ind.a(layout.RH_SEXE):
        titre = "L'équipe de la Mission Locale"
        equipe = graphique(titre, charts.split_bar_chart(
            [(ligne["libelle"], ligne["valeur"]) for ligne in ind.repartition(layout.RH_SEXE)], title=titre,
            format_value=fr_nombre, width=640, total=ind.nombre(layout.RH_SALARIES)), ind.definition(layout.RH_SEXE),
            indicateurs=[layout.RH_SEXE, layout.RH_SALARIES])
    return [r.section("egalite", "Égalité filles-garçons", [
        barres("Part des jeunes femmes selon le public", [(p, v) for p, v in publics if v is not None], "pct",
               "Part des femmes dans chaque public, d'après les répartitions par sexe de ce rapport.",
               echelle_100=True, indicateurs=[i for _, i, _ in layout.EGALITE_PUBLICS]),
        barres("Part des jeunes femmes par dispositif", programmes, "pct", ind.definition(femmes), echelle_100=True,
               indicateurs=[femmes]),
        equipe,
    ], definition="La place des jeunes femmes et des jeunes hommes dans chaque public et chaque dispositif.",
        texte="egalite")]
